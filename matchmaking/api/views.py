"""Candidate partnerships over HTTP.

- SOE staff (and admins) list the candidates of one of their projects: `?project=<id>`.
- Enterprise members list the projects recommended to their enterprise (no parameter).
- Either side marks a match viewed or dismissed.

The querysets are the permission: a match of somebody else's project or enterprise is
404. Reads go through matchmaking.selectors, the mark through matchmaking.services.
"""

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ApiViewMixin, error_responses
from core.api.serializers import unread_related_fields
from enterprises.api.permissions import actor_for
from matchmaking import explain, selectors, services
from matchmaking.api.filters import MatchFilter
from matchmaking.api.permissions import IsAuthenticated
from matchmaking.api.serializers import (
    MATCH_ROW_COLUMNS,
    MatchListQuerySerializer,
    MatchMarkInputSerializer,
    MatchSerializer,
    match_rows,
)
from matchmaking.models import Match
from projects.models import Project
from projects.selectors import project_can_edit, project_list_visible_to

MATCH_EXAMPLE = {
    "id": 41,
    "project": {
        "id": 3,
        "reference": "ILSTC-2025-03",
        "title": "Overseas warehouse in Thailand",
        "status": "published",
        "owner_id": 1,
    },
    "enterprise": {
        "id": 7,
        "reference": "ENT-0042",
        "name": "Siam Bonded Logistics Co., Ltd.",
        "ownership": "foreign",
        "country": "TH",
        "is_verified": True,
    },
    "score": 82.4,
    "eligible": True,
    "ineligibility_reason": "",
    "reasons": [
        {"code": "sector", "params": {"sectors": ["logistics.warehousing"]}},
        {"code": "region", "params": {"places": ["TH"]}},
    ],
    "components": {"sector": 0.25, "region": 0.15},
    "state": "new",
    "state_changed_at": None,
    "computed_at": "2025-07-01T02:30:00+08:00",
    "config_version": 1,
}


# Shown nested in each match row (MatchSerializer), read with the row.
MATCH_ROW_RELATIONS = ("project", "enterprise")


def _explainer():
    """Turns a reason (code + params) into a sentence in the active language."""
    labels = explain.reason_labels()  # the reference labels, read once per request
    return lambda reason: explain.reason_text(reason, labels)


@extend_schema_view(
    list=extend_schema(
        summary="Candidates of your project, or projects recommended to your enterprise",
        parameters=[MatchListQuerySerializer],
        responses={200: MatchSerializer(many=True), **error_responses(400, 401, 403, 404)},
        examples=[OpenApiExample("match", value=MATCH_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One match",
        responses={200: MatchSerializer, **error_responses(401, 404)},
        examples=[OpenApiExample("match", value=MATCH_EXAMPLE, response_only=True)],
    ),
)
class MatchViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Match.objects.none()  # for the schema; get_queryset is the truth
    serializer_class = MatchSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = MatchFilter

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "explain": _explainer()}

    def _project_for_candidates(self, project_id: int) -> Project:
        user, enterprise = self.request.user, actor_for(self.request).enterprise
        visible = project_list_visible_to(user=user, enterprise=enterprise)
        project = visible.filter(pk=project_id).first()
        if project is None:
            raise NotFound()
        if not project_can_edit(user=user, project=project, enterprise=enterprise):
            raise PermissionDenied()
        return project

    def get_queryset(self) -> QuerySet[Match]:
        actor = actor_for(self.request)
        if self.action == "list":
            query = MatchListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            project_id = query.validated_data.get("project")
            if project_id is not None:
                project = self._project_for_candidates(project_id)
                matches = selectors.match_list_for_project(project=project)
            elif actor.enterprise is not None:
                matches = selectors.match_list_for_enterprise(enterprise=actor.enterprise)
            elif actor.is_admin:
                matches = Match.objects.order_by(*selectors.RANKING)
            else:
                matches = Match.objects.none()
        else:
            matches = Match.objects.all()
            if not actor.is_admin:
                mine = Q(
                    enterprise_id=actor.enterprise_id, project__status=Project.Status.PUBLISHED
                )
                if actor.is_soe_staff:
                    mine |= Q(project__owner_id=actor.enterprise_id)
                matches = matches.filter(mine) if actor.enterprise_id else matches.none()
        matches = matches.select_related(*MATCH_ROW_RELATIONS)
        if self.action == "list":  # read-only rows: the related columns they show, no more
            matches = matches.defer(*unread_related_fields(MatchSerializer, MATCH_ROW_RELATIONS))
        return matches

    def list(self, request: Request, *args, **kwargs) -> Response:
        """The page is read as plain values (MATCH_ROW_COLUMNS) and written by match_rows,
        the serializer's representation without model instances or DRF's per-field work."""
        matches = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(matches.values_list(*MATCH_ROW_COLUMNS))
        explain = self.get_serializer_context()["explain"]
        return self.get_paginated_response(match_rows(page, explain=explain))

    @extend_schema(
        summary="Mark a match viewed or dismissed",
        description="Either side may; a dismissed match stays dismissed across rescores. "
        "Viewing never undoes a dismissal.",
        request=MatchMarkInputSerializer,
        responses={200: MatchSerializer, **error_responses(400, 401, 404)},
        examples=[OpenApiExample("dismiss", value={"state": "dismissed"}, request_only=True)],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def mark(self, request: Request, pk: str | None = None) -> Response:
        match = self.get_object()
        data = MatchMarkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.match_mark(
            match=match, state=data.validated_data["state"], by=request.user
        )
        return Response(self.get_serializer(match).data)
