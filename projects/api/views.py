"""Projects (read by everyone as far as they may see; written by the owner's SOE staff),
parks and opportunity lists with their totals."""

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import (
    WITH_ALL_ROWS,
    WITH_CAPPED_ROWS,
    ApiViewMixin,
    CappedCountPagination,
    error_responses,
)
from core.api.errors import Conflict, bad_request
from core.api.filters import FilterSetOnViewBackend
from core.api.serializers import unread_related_fields
from core.money import exchange_rates_latest
from enterprises.api.permissions import actor_for
from projects import services, workflow
from projects.api.counts import ProjectCountPaginator
from projects.api.filters import (
    CODE_COLUMNS,
    Derived,
    ProjectFilter,
    cny_amount,
    derived_columns,
)
from projects.api.permissions import ProjectPermission
from projects.api.serializers import (
    OpportunityListSerializer,
    ParkSerializer,
    ProjectInputSerializer,
    ProjectSerializer,
    ProjectWithdrawInputSerializer,
    project_row_values,
    project_rows,
)
from projects.models import OpportunityList, Park, Project
from projects.selectors import project_list_visible_to, project_visibility_key

PROJECT_EXAMPLE = {
    "id": 2,
    "reference": "ILSTC-2025-02",
    "title": "Premium vehicle shipping routes to Latin America, the Middle East and Africa",
    "description": "Minsheng Group seeks automotive manufacturers and traders ...",
    "owner": {
        "id": 1,
        "reference": "ENT-0001",
        "name": "Minsheng Group",
        "ownership": "soe",
        "country": "CN",
        "is_verified": True,
    },
    "opportunity_list": {"id": 1, "name": "2025 SOE strategic cooperation opportunity list"},
    "park": None,
    "sectors": ["logistics.shipping", "manufacturing.automotive"],
    "cooperation_modes": ["route_partnership", "joint_venture"],
    "corridors": ["ocean_shipping"],
    "target_regions": ["LATIN_AMERICA", "MIDDLE_EAST", "AFRICA"],
    "target_countries": [],
    "partner_ownership": [],
    "total_investment": "800000000.00",
    "external_investment_sought": "400000000.00",
    "currency": "CNY",
    "total_investment_cny": "800000000.00",
    "external_investment_sought_cny": "400000000.00",
    "location_country": "CN",
    "location_city": "Chongqing",
    "status": "published",
    "deadline": "2025-12-31",
    "published_at": "2025-06-30T10:00:00+08:00",
    "created_at": "2025-06-20T10:00:00+08:00",
    "updated_at": "2025-06-30T10:00:00+08:00",
    "rank": None,
}
PROJECT_INPUT_EXAMPLE = {
    "reference": "ILSTC-2025-40",
    "title": "Cold-chain hub at Guoyuan Port",
    "description": "A bonded cold-chain warehouse for ASEAN fruit on the rail-sea corridor.",
    "sectors": ["logistics.cold_chain"],
    "cooperation_modes": ["joint_venture", "operation"],
    "corridors": ["ilstc_rail_sea"],
    "target_regions": ["ASEAN"],
    "total_investment": "300000000",
    "currency": "CNY",
    "deadline": "2026-03-31",
}


# Shown nested in each project row (ProjectSerializer), read with the row.
PROJECT_ROW_RELATIONS = ("owner", "opportunity_list", "park")


def _transition(call, **kwargs) -> None:
    try:
        call(**kwargs)
    except workflow.TransitionError as exc:
        raise Conflict(exc.message) from exc


class ProjectCountPagination(CappedCountPagination):
    """Counts cached until a project changes (projects.api.counts)."""

    paginator_class = ProjectCountPaginator


_project_responses = {200: ProjectSerializer, **error_responses(400, 401, 403, 404, 409)}


@extend_schema_view(
    list=extend_schema(
        summary="Browse projects",
        description=(
            "The projects you may see: published, negotiating and signed ones for everyone; "
            "SOE staff also see all of their own enterprise's; admins see all. See the "
            "parameters for the filters, full-text search (`q`) and ordering."
        ),
        responses={200: ProjectSerializer(many=True), **error_responses(400)},
        examples=[OpenApiExample("project", value=PROJECT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One project",
        description="404 when the project does not exist or is not visible to you.",
        responses={200: ProjectSerializer, **error_responses(404)},
        examples=[OpenApiExample("project", value=PROJECT_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Post a project (as a draft)",
        description="SOE staff post for their own enterprise; admins give `owner`.",
        request=ProjectInputSerializer,
        responses={201: ProjectSerializer, **error_responses(400, 401, 403)},
        examples=[
            OpenApiExample("new project", value=PROJECT_INPUT_EXAMPLE, request_only=True),
            OpenApiExample("created", value=PROJECT_EXAMPLE, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Edit some fields of a project",
        request=ProjectInputSerializer,
        responses=_project_responses,
        examples=[
            OpenApiExample("edit", value={"deadline": "2026-06-30"}, request_only=True),
        ],
    ),
    update=extend_schema(
        summary="Replace a project's editable fields",
        request=ProjectInputSerializer,
        responses=_project_responses,
        examples=[OpenApiExample("edit", value=PROJECT_INPUT_EXAMPLE, request_only=True)],
    ),
)
class ProjectViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProjectSerializer
    permission_classes = [ProjectPermission]
    filterset_class = ProjectFilter
    filter_backends = [FilterSetOnViewBackend]
    pagination_class = ProjectCountPagination
    filterset: ProjectFilter | None = None
    # Set by list: how the count comes with the page's rows (CappedCountPaginator).
    count_with_page: str | None = None

    def count_key(self) -> str | None:
        """Names the rows this request counts, for the cached count (ProjectCountPaginator):
        the viewer's visibility and the filterset's selection (ProjectFilter.selection_key).
        The base queryset is get_queryset's, whose rows depend on nothing else."""
        if self.filterset is None:
            return None
        actor = actor_for(self.request)
        visibility = project_visibility_key(user=actor.user, enterprise=actor.enterprise)
        return f"projects|{visibility}|{self.filterset.selection_key()}"

    def _visible(self) -> QuerySet[Project]:
        return project_list_visible_to(
            user=self.request.user, enterprise=actor_for(self.request).enterprise
        )

    @staticmethod
    def _with_codes(projects: QuerySet[Project]) -> QuerySet[Project]:
        # The codes of each M2M field, as the arrays the database keeps on the project row
        # (PostgreSQL): no query, subquery or model instance per field (the serializer and
        # project_rows read `<field>_codes`).
        return projects.annotate(
            **{
                f"{field}_codes": Derived(derived)
                for field, (derived, _column) in CODE_COLUMNS.items()
            }
        )

    def get_queryset(self) -> QuerySet[Project]:
        projects = self._visible().select_related(*PROJECT_ROW_RELATIONS)
        if self.action == "list":  # read-only rows: the related columns they show, no more
            projects = projects.defer(
                *unread_related_fields(ProjectSerializer, PROJECT_ROW_RELATIONS)
            )
        if derived_columns():
            return self._with_codes(projects)
        return projects.prefetch_related(*CODE_COLUMNS)

    def list(self, request: Request, *args, **kwargs) -> Response:
        """On PostgreSQL the page's ids (and ranks) are selected first, then its rows are
        read as plain values (project_row_values) and written by project_rows, the
        serializer's representation without model instances or DRF's per-field work;
        elsewhere (SQLite) as any list."""
        if not derived_columns():
            return super().list(request, *args, **kwargs)
        projects = self.filter_queryset(self._visible())
        ranked = "rank" in projects.query.annotations
        # The page query reads and sorts every selected row when it orders them by search
        # rank or by a column without an index (all orderings but `reference`): the count
        # then comes with the page's rows, instead of a second read of them (uncached, a
        # searched list's count took 4-6 ms of PostgreSQL, a broad ordered filter's 10).
        # In reference order the page stops at its rows (index) when the selection is
        # broad; a selection of at most cap rows is counted and paged from them in one
        # query, which reads no more than the capped count would.
        ordering = self.filterset.form.cleaned_data.get("ordering") or []
        sorts_all = ranked or any(o.lstrip("-") != "reference" for o in ordering)
        self.count_with_page = WITH_ALL_ROWS if sorts_all else WITH_CAPPED_ROWS
        page = self.paginate_queryset(projects.values_list("pk", *(["rank"] if ranked else [])))
        rows = project_row_values([row[0] for row in page], self.filterset.rates)
        if ranked:  # each row's rank after its columns, as project_rows reads it
            ranks = dict(page)
            rows = [(*row, ranks[row[0]]) for row in rows]
        return self.get_paginated_response(project_rows(rows, ranked=ranked))

    def _render(self, project: Project, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.filter_queryset(self.get_queryset()).get(pk=project.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = ProjectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        actor = actor_for(request)
        owner = fields.pop("owner", None)
        if owner is None:
            if actor.enterprise is None:
                raise bad_request(_("Say which enterprise posts the project."), field="owner")
            owner = actor.enterprise
        project = services.project_create(owner=owner, by=request.user, **fields)
        return self._render(project, status_code=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        project = self.get_object()
        partial = kwargs.pop("partial", False)
        data = ProjectInputSerializer(instance=project, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.project_update(project=project, by=request.user, **data.validated_data)
        return self._render(project)

    @extend_schema(
        summary="Publish a draft (into review when the platform requires it)",
        request=None,
        responses=_project_responses,
        examples=[OpenApiExample("published", value=PROJECT_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        _transition(services.project_publish, project=project, by=request.user)
        return self._render(project)

    @extend_schema(
        summary="Withdraw a project for good",
        request=ProjectWithdrawInputSerializer,
        responses=_project_responses,
        examples=[
            OpenApiExample(
                "withdraw", value={"note": "Merged into ILSTC-2025-07."}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        data = ProjectWithdrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _transition(
            services.project_withdraw,
            project=project,
            by=request.user,
            note=data.validated_data["note"],
        )
        return self._render(project)


_PARK_EXAMPLE = {
    "id": 4,
    "name": "Guoyuan Port International Logistics Hub",
    "name_zh": "果园港国际物流枢纽",
    "kind": "logistics_hub",
    "country": "CN",
    "city": "Chongqing",
    "partner_countries": [],
    "description": "Rail, river and road meet at the Yangtze.",
}


@extend_schema_view(
    list=extend_schema(
        summary="Parks, zones and hubs where projects sit",
        responses={200: ParkSerializer(many=True), **error_responses(400)},
        examples=[OpenApiExample("park", value=_PARK_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One park",
        responses={200: ParkSerializer, **error_responses(404)},
        examples=[OpenApiExample("park", value=_PARK_EXAMPLE, response_only=True)],
    ),
)
class ParkViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Park.objects.order_by("name", "pk")
    serializer_class = ParkSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["kind", "country"]


_LIST_EXAMPLE = {
    "id": 1,
    "name": "2025 SOE strategic cooperation opportunity list",
    "name_zh": "2025年市属国企战略合作机会清单",
    "publisher": None,
    "released_on": "2025-06-30",
    "description": "36 major projects along the ILSTC.",
    "projects_count": 36,
    "total_investment_cny": "70000000000.00",
    "external_investment_sought_cny": "40000000000.00",
}


@extend_schema_view(
    list=extend_schema(
        summary="Opportunity lists with their totals",
        description="Totals count the public (published, negotiating, signed) projects, in CNY.",
        examples=[OpenApiExample("list", value=_LIST_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One opportunity list with its totals",
        responses={200: OpportunityListSerializer, **error_responses(404)},
        examples=[OpenApiExample("list", value=_LIST_EXAMPLE, response_only=True)],
    ),
)
class OpportunityListViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = OpportunityList.objects.none()  # for the schema; get_queryset is the truth
    serializer_class = OpportunityListSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self) -> QuerySet[OpportunityList]:
        rates = exchange_rates_latest()
        public = Q(projects__status__in=workflow.PUBLIC_STATUSES)
        return (
            OpportunityList.objects.select_related("publisher")
            .annotate(
                projects_count=Count("projects", filter=public),
                total_investment_cny=Sum(
                    cny_amount("total_investment", rates, prefix="projects__"), filter=public
                ),
                external_investment_sought_cny=Sum(
                    cny_amount("external_investment_sought", rates, prefix="projects__"),
                    filter=public,
                ),
            )
            .order_by("-released_on", "name", "pk")
        )
