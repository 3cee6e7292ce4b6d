"""Enterprises (public profiles; members edit their own) and `me`."""

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import ApiViewMixin, error_responses
from enterprises import services
from enterprises.api.filters import EnterpriseFilter
from enterprises.api.permissions import actor_for
from enterprises.api.serializers import (
    EnterpriseSerializer,
    EnterpriseUpdateInputSerializer,
    MeSerializer,
)
from enterprises.models import Enterprise, Membership

ENTERPRISE_EXAMPLE = {
    "id": 7,
    "reference": "ENT-0042",
    "name": "Siam Bonded Logistics Co., Ltd.",
    "name_local": "",
    "ownership": "foreign",
    "country": "TH",
    "sectors": ["logistics.warehousing", "logistics.multimodal"],
    "cooperation_modes": ["operation", "leasing"],
    "corridors": ["ilstc_rail_sea"],
    "regions": ["ASEAN"],
    "countries": ["TH"],
    "investment_min": "5000000.00",
    "investment_max": "50000000.00",
    "currency": "USD",
    "description": "Bonded warehousing at Laem Chabang.",
    "website": "https://siam-bonded.example",
    "contact_email": None,
    "is_verified": True,
}


class CanEditEnterprise(permissions.BasePermission):
    """Reading is public; writing is for the enterprise's own members and platform admins."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view, obj: Enterprise) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        actor = actor_for(request)
        return actor.is_admin or actor.enterprise_id == obj.pk


@extend_schema_view(
    list=extend_schema(
        summary="The enterprise directory",
        description="Verified enterprises; members also see their own, admins see all.",
        examples=[OpenApiExample("enterprise", value=ENTERPRISE_EXAMPLE, response_only=True)],
        responses={200: EnterpriseSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="An enterprise's public profile",
        examples=[OpenApiExample("enterprise", value=ENTERPRISE_EXAMPLE, response_only=True)],
        responses={200: EnterpriseSerializer, **error_responses(404)},
    ),
    partial_update=extend_schema(
        summary="Edit your own enterprise's profile",
        request=EnterpriseUpdateInputSerializer,
        responses={200: EnterpriseSerializer, **error_responses(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "edit",
                value={"description": "Bonded warehousing at Laem Chabang.", "regions": ["ASEAN"]},
                request_only=True,
            )
        ],
    ),
    update=extend_schema(
        summary="Replace your own enterprise's editable profile",
        request=EnterpriseUpdateInputSerializer,
        responses={200: EnterpriseSerializer, **error_responses(400, 401, 403, 404)},
        examples=[OpenApiExample("enterprise", value=ENTERPRISE_EXAMPLE, response_only=True)],
    ),
)
class EnterpriseViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EnterpriseSerializer
    permission_classes = [CanEditEnterprise]
    filterset_class = EnterpriseFilter

    def get_queryset(self) -> QuerySet[Enterprise]:
        actor = actor_for(self.request)
        enterprises = Enterprise.objects.all()
        if not actor.is_admin:
            visible = Q(is_verified=True)
            if actor.enterprise_id is not None:
                visible |= Q(pk=actor.enterprise_id)
            enterprises = enterprises.filter(visible)
        return enterprises.prefetch_related(
            "sectors", "cooperation_modes", "corridors", "regions"
        ).order_by("name", "pk")

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "actor": actor_for(self.request)}

    def update(self, request: Request, *args, **kwargs) -> Response:
        enterprise = self.get_object()
        partial = kwargs.pop("partial", False)
        data = EnterpriseUpdateInputSerializer(
            instance=enterprise, data=request.data, partial=partial
        )
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(
            enterprise=enterprise, by=request.user, **data.validated_data
        )
        enterprise = self.get_queryset().get(pk=enterprise.pk)
        return Response(self.get_serializer(enterprise).data)


class MeView(ApiViewMixin, APIView):
    """The signed-in user, the enterprise they belong to and their role."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None

    @extend_schema(
        summary="Who am I",
        responses={200: MeSerializer, **error_responses(401)},
        examples=[
            OpenApiExample(
                "soe staff",
                value={
                    "id": 3,
                    "username": "soe.minsheng",
                    "email": "staff@minsheng.example",
                    "first_name": "Li",
                    "last_name": "Wei",
                    "role": "soe_staff",
                    "membership_role": "member",
                    "enterprise": {
                        "id": 1,
                        "reference": "ENT-0001",
                        "name": "Minsheng Group",
                        "ownership": "soe",
                        "country": "CN",
                        "is_verified": True,
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        user = request.user
        membership_role = (
            Membership.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
        )
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": actor.role,
            "membership_role": membership_role,
            "enterprise": actor.enterprise,
        }
        return Response(MeSerializer(data).data)
