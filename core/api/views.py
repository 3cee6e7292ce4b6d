"""Reference codes of the data contract (read-only, public) and the user's own API tokens."""

from django.db import transaction
from django.http import JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiViewMixin, error_responses
from core.api.errors import error_body
from core.api.serializers import (
    TOKEN_ID_LENGTH,
    CooperationModeSerializer,
    CorridorSerializer,
    OwnershipTypeSerializer,
    RegionSerializer,
    SectorSerializer,
    TokenCreatedSerializer,
    TokenSerializer,
)
from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector


class _ReferenceViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Small, fixed tables: not paginated, readable by everyone."""

    permission_classes = [permissions.AllowAny]
    pagination_class = None
    lookup_field = "code"
    lookup_value_regex = "[^/]+"


def _reference_schema(name: str, example: dict, serializer: type) -> type:
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {name}",
            examples=[OpenApiExample(name, value=[example], response_only=True)],
        ),
        retrieve=extend_schema(
            summary=f"One of the {name}",
            examples=[OpenApiExample(name, value=example, response_only=True)],
            responses={200: serializer, **error_responses(404)},
        ),
    )


@_reference_schema(
    "sectors",
    {
        "code": "logistics.warehousing",
        "parent": "logistics",
        "label": "Warehousing",
        "label_en": "Warehousing",
        "label_zh": "仓储",
    },
    SectorSerializer,
)
class SectorViewSet(_ReferenceViewSet):
    """Sectors: parents and `parent.child` codes."""

    queryset = Sector.objects.all()
    serializer_class = SectorSerializer


@_reference_schema(
    "corridors",
    {
        "code": "ilstc_rail_sea",
        "label": "ILSTC rail-sea intermodal (Beibu Gulf ports)",
        "label_en": "ILSTC rail-sea intermodal (Beibu Gulf ports)",
        "label_zh": "西部陆海新通道铁海联运（北部湾港）",
    },
    CorridorSerializer,
)
class CorridorViewSet(_ReferenceViewSet):
    queryset = Corridor.objects.all()
    serializer_class = CorridorSerializer


@_reference_schema(
    "cooperation modes",
    {
        "code": "joint_venture",
        "label": "Joint venture",
        "label_en": "Joint venture",
        "label_zh": "合资合作",
    },
    CooperationModeSerializer,
)
class CooperationModeViewSet(_ReferenceViewSet):
    queryset = CooperationMode.objects.all()
    serializer_class = CooperationModeSerializer


@_reference_schema(
    "ownership types",
    {
        "code": "soe",
        "label": "State-owned enterprise",
        "label_en": "State-owned enterprise",
        "label_zh": "国有企业",
    },
    OwnershipTypeSerializer,
)
class OwnershipTypeViewSet(_ReferenceViewSet):
    queryset = OwnershipType.objects.all()
    serializer_class = OwnershipTypeSerializer


@_reference_schema(
    "regions",
    {
        "code": "NORTH_AMERICA",
        "label": "North America",
        "label_en": "North America",
        "label_zh": "北美",
        "countries": ["US", "CA"],
    },
    RegionSerializer,
)
class RegionViewSet(_ReferenceViewSet):
    queryset = Region.objects.all()
    serializer_class = RegionSerializer


_TOKEN_EXAMPLE = {"id": "9944b091", "created": "2025-06-30T08:00:00+08:00"}


@extend_schema_view(
    list=extend_schema(
        summary="Your API tokens",
        description="Only the first characters of each key are shown (its id).",
        responses={200: TokenSerializer(many=True), **error_responses(401)},
        examples=[OpenApiExample("tokens", value=[_TOKEN_EXAMPLE], response_only=True)],
    ),
    create=extend_schema(
        summary="Create (or rotate) your API token",
        description=(
            "Creates a token for the signed-in user and shows its whole key once. A user has "
            "one token: creating a new one revokes the previous one. Send it as "
            "`Authorization: Token <key>`."
        ),
        request=None,
        responses={201: TokenCreatedSerializer, **error_responses(401)},
        examples=[
            OpenApiExample(
                "created",
                value={**_TOKEN_EXAMPLE, "key": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
            )
        ],
    ),
    destroy=extend_schema(
        summary="Revoke one of your API tokens",
        responses={204: None, **error_responses(401, 404)},
    ),
)
class TokenViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in user's own API tokens; nobody sees or revokes another user's."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TokenSerializer
    pagination_class = None
    lookup_field = "id"
    lookup_value_regex = "[0-9a-f]+"

    def get_queryset(self):
        return Token.objects.filter(user_id=self.request.user.pk)

    def get_object(self) -> Token:
        token = self.get_queryset().filter(key__startswith=self.kwargs["id"]).first()
        if token is None or len(self.kwargs["id"]) < TOKEN_ID_LENGTH:
            raise NotFound()
        return token

    def create(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            Token.objects.filter(user_id=request.user.pk).delete()
            token = Token.objects.create(user=request.user)
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    """The 404 of an unknown /api/v1/ URL, in the API's error shape (not Django's HTML)."""
    return JsonResponse(
        error_body(status_code=404, code="not_found", message=gettext("Not found.")), status=404
    )
