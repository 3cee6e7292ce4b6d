"""Interests over HTTP: express, invite, move through the pipeline; deal totals per list.

Thin: input is parsed here, every rule (who may, which state, verified enterprise, one
open interest per pair) is deals.services'. A refused action (DealError) answers 403
when the caller is on the wrong side, 409 when the current state forbids it, and 400
naming the field when the input is wrong; nothing changes.
"""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import ApiViewMixin, error_responses
from core.api.errors import NON_FIELD_KEY, Conflict, bad_request
from deals import services
from deals.api.filters import InterestFilter
from deals.api.permissions import IsAdminOrSoeStaff, IsPartyOrAdmin
from deals.api.serializers import (
    InterestDetailSerializer,
    InterestExpressInputSerializer,
    InterestInviteInputSerializer,
    InterestSerializer,
    InterestTransitionInputSerializer,
    OpportunityListDealTotalsSerializer,
)
from deals.models import Interest, InterestTransition
from deals.selectors import interest_list_visible_to, opportunity_list_totals
from enterprises.api.permissions import actor_for
from matchmaking.models import Match
from projects.models import OpportunityList
from projects.selectors import project_list_visible_to

# DealError codes -> how the API answers them.
FORBIDDEN_CODES = frozenset(
    {"no_member", "not_verified", "not_owner", "not_party", "wrong_side", "own_project"}
)
CONFLICT_CODES = frozenset(
    {"already_open", "project_not_open", "not_allowed", "project_not_signable", "ineligible"}
)
FIELD_OF_CODE = {
    "invalid_mode": "cooperation_mode",
    "invalid_currency": "currency",
    "invalid_amount": "indicative_amount",
    "no_signed_value": "signed_value",
    "bad_state": "to",
}


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except services.DealError as exc:
        message = exc.messages[0]
        if exc.code in FORBIDDEN_CODES:
            raise PermissionDenied(message) from exc
        if exc.code in CONFLICT_CODES:
            raise Conflict(message) from exc
        raise bad_request(message, field=FIELD_OF_CODE.get(exc.code, NON_FIELD_KEY)) from exc


INTEREST_EXAMPLE = {
    "id": 12,
    "enterprise": {
        "id": 7,
        "reference": "ENT-0042",
        "name": "Siam Bonded Logistics Co., Ltd.",
        "ownership": "foreign",
        "country": "TH",
        "is_verified": True,
    },
    "project": {
        "id": 3,
        "reference": "ILSTC-2025-03",
        "title": "Overseas warehouse in Thailand",
        "status": "published",
        "owner_id": 1,
    },
    "initiated_by": "enterprise",
    "message": "We operate bonded warehouses at Laem Chabang.",
    "cooperation_mode": "operation",
    "indicative_amount": "20000000.00",
    "currency": "USD",
    "state": "new",
    "next_states": ["in_discussion", "withdrawn"],
    "signed_value": None,
    "signed_currency": "",
    "signed_at": None,
    "created_at": "2025-07-01T09:00:00+08:00",
    "updated_at": "2025-07-01T09:00:00+08:00",
}
_write_errors = error_responses(400, 401, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(
        summary="Interests you are a party to",
        description="Your enterprise's interests and those in your enterprise's projects.",
        responses={200: InterestSerializer(many=True), **error_responses(400, 401)},
        examples=[OpenApiExample("interest", value=INTEREST_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One interest with its pipeline history",
        responses={200: InterestDetailSerializer, **error_responses(401, 404)},
        examples=[
            OpenApiExample(
                "interest",
                value={
                    **INTEREST_EXAMPLE,
                    "transitions": [
                        {
                            "id": 1,
                            "from_state": "new",
                            "to_state": "in_discussion",
                            "by": "soe.minsheng",
                            "at": "2025-07-02T10:00:00+08:00",
                            "note": "Call on Monday.",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    ),
    create=extend_schema(
        summary="Express interest in a project",
        description="Members of a verified enterprise, in a published or negotiating project "
        "of another enterprise; one open interest per enterprise and project.",
        request=InterestExpressInputSerializer,
        responses={201: InterestDetailSerializer, **_write_errors},
        examples=[
            OpenApiExample(
                "express",
                value={
                    "project": 3,
                    "message": "We operate bonded warehouses at Laem Chabang.",
                    "cooperation_mode": "operation",
                    "indicative_amount": "20000000",
                    "currency": "USD",
                },
                request_only=True,
            ),
            OpenApiExample("created", value=INTEREST_EXAMPLE, response_only=True),
        ],
    ),
)
class InterestViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InterestSerializer
    permission_classes = [IsPartyOrAdmin]
    filterset_class = InterestFilter

    def get_queryset(self) -> QuerySet[Interest]:
        interests = interest_list_visible_to(user=self.request.user).order_by("-created_at", "-pk")
        if self.action != "list":
            interests = interests.prefetch_related(
                Prefetch(
                    "transitions",
                    queryset=InterestTransition.objects.select_related("by").order_by("at", "id"),
                )
            )
        return interests

    def get_serializer_class(self):
        return InterestSerializer if self.action == "list" else InterestDetailSerializer

    def get_serializer_context(self) -> dict:
        return {
            **super().get_serializer_context(),
            "enterprise_id": actor_for(self.request).enterprise_id,
        }

    def _render(self, interest: Interest, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=interest.pk)
        return Response(
            InterestDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=status_code,
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = InterestExpressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = (
            project_list_visible_to(user=request.user).filter(pk=fields.pop("project")).first()
        )
        if project is None:
            raise bad_request(str(_no_such(_("project"))), field="project")
        interest = _call(services.interest_express, project=project, by=request.user, **fields)
        return self._render(interest, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Invite a candidate of your project",
        description="SOE staff of the project's owner invite an eligible candidate from the "
        "match list; the match becomes `contacted`.",
        request=InterestInviteInputSerializer,
        responses={201: InterestDetailSerializer, **_write_errors},
        examples=[
            OpenApiExample(
                "invite", value={"match": 41, "message": "Let us talk."}, request_only=True
            )
        ],
    )
    @action(detail=False, methods=["post"])
    def invite(self, request: Request) -> Response:
        actor = actor_for(request)
        if not actor.is_soe_staff:
            raise PermissionDenied(_("Only SOE staff invite candidates of their projects."))
        data = InterestInviteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        match = Match.objects.filter(
            pk=fields.pop("match"), project__owner_id=actor.enterprise_id
        ).first()
        if match is None:
            raise bad_request(str(_no_such(_("match"))), field="match")
        interest = _call(services.interest_invite, match=match, by=request.user, **fields)
        return self._render(interest, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move an interest through the pipeline",
        description="Both sides move forward; the project owner declines; the enterprise "
        "withdraws. `agreement_signed` needs `signed_value` and signs the project.",
        request=InterestTransitionInputSerializer,
        responses={200: InterestDetailSerializer, **_write_errors},
        examples=[
            OpenApiExample(
                "forward",
                value={"to": "in_discussion", "note": "Call on Monday."},
                request_only=True,
            ),
            OpenApiExample(
                "sign",
                value={
                    "to": "agreement_signed",
                    "signed_value": "870000000",
                    "signed_currency": "CNY",
                },
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        interest = self.get_object()
        data = InterestTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(
            services.interest_transition, interest=interest, by=request.user, **data.validated_data
        )
        return self._render(interest)


def _no_such(what: str) -> str:
    return _("No such %(what)s among those you may use.") % {"what": what}


class OpportunityListDealTotalsView(ApiViewMixin, APIView):
    """Aggregates only, but over every project of the list (drafts included), so for the
    people who report on lists: platform admins and SOE staff."""

    permission_classes = [IsAdminOrSoeStaff]
    pagination_class = None

    @extend_schema(
        summary="Deal totals of an opportunity list",
        description="Projects and amounts (CNY), interests by state, agreements signed, their "
        "value in CNY and how many involve foreign enterprises.",
        responses={200: OpportunityListDealTotalsSerializer, **error_responses(401, 403, 404)},
        examples=[
            OpenApiExample(
                "2025 list",
                value={
                    "projects": 36,
                    "total_investment_cny": "70000000000.00",
                    "sought_cny": "40000000000.00",
                    "interests_by_state": {"new": 20, "in_discussion": 9, "agreement_signed": 14},
                    "agreements_signed": 14,
                    "agreements_value_cny": "12200000000.00",
                    "agreements_with_foreign": 4,
                    "summary": "14 signed, 12.2 billion yuan, 4 with foreign firms",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        opportunity_list = get_object_or_404(OpportunityList, pk=pk)
        totals = opportunity_list_totals(opportunity_list=opportunity_list)
        data = {
            "projects": totals.projects,
            "total_investment_cny": totals.total_investment_cny,
            "sought_cny": totals.sought_cny,
            "interests_by_state": totals.interests_by_state,
            "agreements_signed": totals.agreements_signed,
            "agreements_value_cny": totals.agreements_value_cny,
            "agreements_with_foreign": totals.agreements_with_foreign,
            "summary": totals.signed_line(),
        }
        return Response(OpportunityListDealTotalsSerializer(data).data)
