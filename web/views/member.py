"""Enterprise member pages: profile, "Recommended for you", interests, notifications."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals import workflow as deal_workflow
from deals.models import Interest
from deals.selectors import interest_get_open, interest_list_visible_to, interest_transition_list
from deals.services import DealError, interest_sides_of, interest_transition
from deals.services import interest_express as interest_express_service
from enterprises.selectors import enterprise_ids_contact_visible_to
from enterprises.services import enterprise_update
from matchmaking.models import Match
from matchmaking.selectors import match_list_for_enterprise
from matchmaking.services import match_mark
from notifications.models import Follow, Frequency, Kind, SavedSearch
from notifications.selectors import (
    notification_list_for_user,
    notification_render,
    preference_map_for_user,
)
from notifications.services import (
    follow_create,
    follow_delete,
    notification_settings_set,
    notifications_mark_read,
    preference_set,
    saved_search_create,
    user_language,
)
from projects.models import Project
from projects.selectors import project_list_visible_to
from web.access import enterprise_required, login_required_web, member_required, viewer_of
from web.explain import match_explain, matches_explain
from web.forms import InterestForm, InterestMoveForm, ProfileForm, apply_service_errors
from web.views.pipeline import board_columns

RECOMMENDATIONS_PAGE_SIZE = 10
NOTIFICATIONS_PAGE_SIZE = 25


def project_member_actions(request: HttpRequest, project: Project) -> dict:
    """What the project page offers a member: express interest, or their open interest."""
    viewer = viewer_of(request)
    enterprise = viewer.enterprise
    match = Match.objects.filter(project=project, enterprise=enterprise).first()
    return {
        "verified": enterprise.is_verified,
        "open_interest": interest_get_open(enterprise_id=enterprise.pk, project_id=project.pk),
        "can_express": project.status in (Project.Status.PUBLISHED, Project.Status.NEGOTIATING)
        and project.owner_id != enterprise.pk,
        "form": InterestForm(project=project),
        "match": match,
        "following": Follow.objects.filter(enterprise=enterprise, project=project).exists(),
        "explained": match_explain(match) if match else None,
    }


@enterprise_required
def profile(request: HttpRequest) -> HttpResponse:
    enterprise = viewer_of(request).enterprise
    initial = {
        "name": enterprise.name,
        "name_local": enterprise.name_local,
        "country": str(enterprise.country),
        "sectors": list(enterprise.sectors.all()),
        "cooperation_modes": list(enterprise.cooperation_modes.all()),
        "corridors": list(enterprise.corridors.all()),
        "regions": list(enterprise.regions.all()),
        "countries": [str(c) for c in enterprise.countries],
        "investment_min": enterprise.investment_min,
        "investment_max": enterprise.investment_max,
        "currency": enterprise.currency,
        "description": enterprise.description,
        "website": enterprise.website,
        "contact_email": enterprise.contact_email,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        for name in ("name_local", "description", "website", "contact_email"):
            fields[name] = fields.get(name) or ""
        try:
            enterprise_update(enterprise=enterprise, by=request.user, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("web:profile")
    return render(request, "web/member/profile.html", {"form": form, "enterprise": enterprise})


@member_required
def recommendations(request: HttpRequest) -> HttpResponse:
    enterprise = viewer_of(request).enterprise
    matches = (
        match_list_for_enterprise(enterprise=enterprise)
        .exclude(state=Match.State.DISMISSED)
        .select_related("project__owner", "project__park")
    )
    page = Paginator(matches, RECOMMENDATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {"match": match, "explained": explained}
        for match, explained in zip(
            page.object_list, matches_explain(page.object_list), strict=True
        )
    ]
    open_ids = set(
        Interest.objects.filter(
            enterprise=enterprise,
            project_id__in=[m.project_id for m in page.object_list],
            state__in=deal_workflow.OPEN_STATES,
        ).values_list("project_id", flat=True)
    )
    for item in items:
        item["has_interest"] = item["match"].project_id in open_ids
    return render(
        request,
        "web/member/recommendations.html",
        {"items": items, "page": page, "enterprise": enterprise},
    )


@require_POST
@member_required
def match_dismiss(request: HttpRequest, match_id: int) -> HttpResponse:
    enterprise = viewer_of(request).enterprise
    match = get_object_or_404(Match, pk=match_id, enterprise=enterprise)
    match_mark(match=match, state=Match.State.DISMISSED, by=request.user)
    messages.success(request, _("The recommendation was dismissed."))
    return redirect("web:recommendations")


@require_POST
@member_required
def interest_express(request: HttpRequest, reference: str) -> HttpResponse:
    project = get_object_or_404(project_list_visible_to(user=request.user), reference=reference)
    form = InterestForm(request.POST, project=project)
    if form.is_valid():
        try:
            interest = interest_express_service(
                project=project,
                by=request.user,
                message=form.cleaned_data["message"],
                cooperation_mode=form.cleaned_data["cooperation_mode"] or None,
                indicative_amount=form.cleaned_data["indicative_amount"],
                currency=form.cleaned_data["currency"],
            )
        except DealError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Your interest in %(title)s was sent to its owner.") % {"title": project.title},
            )
            return redirect("web:interest_detail", pk=interest.pk)
    else:
        messages.error(request, _("Please correct the interest form."))
    return redirect("web:project_detail", reference=project.reference)


@member_required
def my_interests(request: HttpRequest) -> HttpResponse:
    enterprise = viewer_of(request).enterprise
    interests = list(
        interest_list_visible_to(user=request.user)
        .filter(enterprise=enterprise)
        .select_related("project__owner")
        .order_by("-updated_at")
    )
    return render(
        request,
        "web/member/my_interests.html",
        {
            "interests": interests,
            "columns": board_columns(interests, sides=frozenset({deal_workflow.ENTERPRISE})),
        },
    )


@enterprise_required
def interest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interest = get_object_or_404(
        interest_list_visible_to(user=request.user).select_related("project__owner"), pk=pk
    )
    sides = interest_sides_of(interest=interest, user=request.user)
    moves = [
        (state, Interest.State(state).label)
        for state in deal_workflow.next_states(interest.state, sides=sides)
    ]
    parties = (interest.enterprise, interest.project.owner)
    visible = enterprise_ids_contact_visible_to(
        user=request.user, enterprise_ids=[party.pk for party in parties]
    )
    return render(
        request,
        "web/member/interest_detail.html",
        {
            "interest": interest,
            "contacts": [party for party in parties if party.pk in visible and party.contact_email],
            "history": interest_transition_list(interest=interest),
            "moves": moves,
            "move_form": InterestMoveForm(),
        },
    )


@require_POST
@enterprise_required
def interest_move(request: HttpRequest, pk: int) -> HttpResponse:
    interest = get_object_or_404(interest_list_visible_to(user=request.user), pk=pk)
    form = InterestMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the state to move the interest to."))
    else:
        try:
            interest_transition(
                interest=interest,
                to=form.cleaned_data["to"],
                by=request.user,
                note=form.cleaned_data["note"],
                signed_value=form.cleaned_data["signed_value"],
                signed_currency=form.cleaned_data["signed_currency"] or "",
            )
        except DealError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(name)s: moved to “%(state)s”.")
                % {
                    "name": interest.enterprise.name,
                    "state": Interest.State(form.cleaned_data["to"]).label,
                },
            )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("web:interest_detail", pk=interest.pk)


@enterprise_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        messages.success(request, _("All notifications are marked read."))
        return redirect("web:notifications")
    queryset = notification_list_for_user(user=request.user).select_related("project")
    page = Paginator(queryset, NOTIFICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{**notification_render(n), "project": n.project} for n in page.object_list]
    return render(request, "web/member/notifications.html", {"items": items, "page": page})


@enterprise_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        for kind in Kind.values:
            frequency = request.POST.get(f"kind_{kind}")
            if frequency in Frequency.values:
                preference_set(user_id=request.user.pk, kind=kind, frequency=frequency)
        language = request.POST.get("language")
        if language:
            try:
                notification_settings_set(user_id=request.user.pk, language=language)
            except ValueError:
                messages.error(request, _("Choose one of the offered languages."))
                return redirect("web:preferences")
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("web:preferences")
    current = preference_map_for_user(user=request.user)
    rows = [
        {"kind": kind, "label": label, "frequency": current[kind]} for kind, label in Kind.choices
    ]
    return render(
        request,
        "web/member/preferences.html",
        {
            "rows": rows,
            "frequencies": Frequency.choices,
            "language": user_language(user_id=request.user.pk),
            "searches": SavedSearch.objects.filter(user=request.user).order_by("name"),
        },
    )


# Browser parameters that only shape the page, not which projects fit a saved search.
PAGE_ONLY_PARAMETERS = frozenset({"ordering", "page"})


@require_POST
@login_required_web
def search_save(request: HttpRequest) -> HttpResponse:
    """Save the opportunity browser's current filters; new fitting projects are notified."""
    query = QueryDict(request.POST.get("query", ""))
    filters: dict[str, object] = {}
    for key in query:
        if key in PAGE_ONLY_PARAMETERS:
            continue
        values = [value for value in query.getlist(key) if value]
        if values:
            filters[key] = values if len(values) > 1 else values[0]
    name = (request.POST.get("name") or "").strip()[:120]
    browser = f"{reverse('web:project_list')}?{query.urlencode()}"
    if not name:
        messages.error(request, _("Give the search a name."))
        return redirect(browser)
    try:
        saved_search_create(user=request.user, name=name, filters=filters)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Search “%(name)s” saved: you will be notified of new projects that fit it.")
            % {"name": name},
        )
    return redirect(browser)


@require_POST
@enterprise_required
def project_follow(request: HttpRequest, reference: str) -> HttpResponse:
    """Follow (or stop following) a project: hear when it changes or nears its deadline."""
    project = get_object_or_404(project_list_visible_to(user=request.user), reference=reference)
    enterprise = viewer_of(request).enterprise
    if request.POST.get("follow") == "0":
        follow_delete(enterprise=enterprise, project=project)
        messages.success(request, _("You no longer follow this project."))
    else:
        follow_create(enterprise=enterprise, project=project, by=request.user)
        messages.success(request, _("You follow this project: you will hear when it changes."))
    return redirect("web:project_detail", reference=project.reference)
