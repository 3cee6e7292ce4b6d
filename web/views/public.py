"""Pages anyone may open: home, the opportunity browser, project, park and enterprise pages."""

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from deals.selectors import opportunity_list_totals
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_contact_visible_to
from projects import workflow
from projects.models import Park, Project
from projects.selectors import project_can_edit, project_list_visible_to
from web.access import viewer_of
from web.cards import CARD_KEY_FIELDS, card_queryset, project_cards
from web.filters import ProjectBrowserFilter
from web.money import VIEWER_CURRENCIES, request_rates, viewer_currency
from web.pagecache import cached_for_visitors
from web.selectors import opportunity_lists_with_totals, project_list_similar

PAGE_SIZE = 12
HOME_LATEST = 6


def _project_cards(queryset):
    return card_queryset(queryset)


@cached_for_visitors
def home(request: HttpRequest) -> HttpResponse:
    rates = request_rates(request)
    latest = project_list_visible_to(user=None).order_by("-published_at", "reference")
    lists = [
        {
            "public": totals,
            "deals": opportunity_list_totals(opportunity_list=totals.opportunity_list),
        }
        for totals in opportunity_lists_with_totals(rates=rates)
    ]
    return render(
        request,
        "web/home.html",
        {
            "lists": lists,
            "latest": project_cards(request, latest.only(*CARD_KEY_FIELDS)[:HOME_LATEST]),
            "project_count": project_list_visible_to(user=None).count(),
        },
    )


@cached_for_visitors
def project_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("currency", viewer_currency(request))
    filterset = ProjectBrowserFilter(data, queryset=project_list_visible_to(user=None))
    projects = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    # The cards come from the cache (web.cards); the page query reads only their keys.
    paginator = Paginator(projects.only(*CARD_KEY_FIELDS), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "web/project_list.html",
        {
            "filter": filterset,
            "page": page,
            "paginator": paginator,
            "cards": project_cards(request, page.object_list),
        },
    )


@cached_for_visitors
def project_detail(request: HttpRequest, reference: str) -> HttpResponse:
    visible = project_list_visible_to(user=request.user)
    project = get_object_or_404(
        _project_cards(visible).prefetch_related("target_regions", "partner_ownership"),
        reference=reference,
    )
    viewer = viewer_of(request)
    similar = project_list_similar(project=project, visible=project_list_visible_to(user=None))
    return render(
        request,
        "web/project_detail.html",
        {
            "project": project,
            "is_public": project.status in workflow.PUBLIC_STATUSES,
            "can_edit": project_can_edit(user=request.user, project=project),
            "similar": similar,
            "similar_cards": project_cards(request, similar),
            "viewer": viewer,
            "currencies": VIEWER_CURRENCIES,
            "current_currency": viewer_currency(request),
            "member_actions": _member_actions(request, project) if viewer.is_member else None,
            "owner_contact_visible": enterprise_contact_visible_to(
                user=request.user, enterprise=project.owner
            ),
        },
    )


def _member_actions(request: HttpRequest, project: Project) -> dict:
    """What an enterprise member can do on a project page (filled by the deals pages)."""
    from web.views.member import project_member_actions

    return project_member_actions(request, project)


def park_list(request: HttpRequest) -> HttpResponse:
    public = Q(projects__status__in=workflow.PUBLIC_STATUSES)
    parks = Park.objects.annotate(project_count=Count("projects", filter=public)).order_by("name")
    return render(request, "web/park_list.html", {"parks": parks})


def park_detail(request: HttpRequest, pk: int) -> HttpResponse:
    park = get_object_or_404(Park, pk=pk)
    projects = _project_cards(
        project_list_visible_to(user=None).filter(park=park).order_by("-published_at")
    )
    return render(request, "web/park_detail.html", {"park": park, "projects": projects})


def enterprise_detail(request: HttpRequest, reference: str) -> HttpResponse:
    enterprise = get_object_or_404(
        Enterprise.objects.select_related("ownership").prefetch_related(
            "sectors",
            "cooperation_modes",
            "corridors",
            "regions",
            Prefetch(
                "projects",
                queryset=_project_cards(project_list_visible_to(user=None)).order_by(
                    "-published_at"
                ),
                to_attr="public_projects",
            ),
        ),
        reference=reference,
    )
    viewer = viewer_of(request)
    own = viewer.enterprise is not None and viewer.enterprise.pk == enterprise.pk
    if not (enterprise.is_verified or own or viewer.is_admin):
        raise Http404
    return render(
        request,
        "web/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "own": own,
            "contact_visible": enterprise_contact_visible_to(
                user=request.user, enterprise=enterprise
            ),
        },
    )
