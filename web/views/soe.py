"""SOE staff pages: my projects, the project form, candidates and the pipeline board."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals import workflow as deal_workflow
from deals.models import Interest
from deals.services import DealError, interest_invite
from matchmaking.models import Match
from projects import workflow
from projects.models import Project
from projects.selectors import project_can_edit, project_list_visible_to
from projects.services import project_create as project_create_service
from projects.services import project_publish, project_update, project_withdraw
from web.access import soe_staff_required, viewer_of
from web.forms import InterestMoveForm, ProjectForm, apply_service_errors
from web.views.pipeline import board_columns, candidate_list

ACTION_DRAFT = "draft"
ACTION_PUBLISH = "publish"
ACTION_WITHDRAW = "withdraw"


def _own_project(request: HttpRequest, reference: str) -> Project:
    project = get_object_or_404(project_list_visible_to(user=request.user), reference=reference)
    if not project_can_edit(user=request.user, project=project):
        raise PermissionDenied
    return project


def _unique_reference(owner_reference: str) -> str:
    count = Project.objects.filter(reference__startswith=f"{owner_reference}-").count()
    while True:
        count += 1
        reference = f"{owner_reference}-{count:03d}"
        if not Project.objects.filter(reference=reference).exists():
            return reference


@soe_staff_required
def my_projects(request: HttpRequest) -> HttpResponse:
    enterprise = viewer_of(request).enterprise
    open_states = sorted(deal_workflow.OPEN_STATES)
    projects = (
        Project.objects.filter(owner=enterprise)
        .select_related("park", "opportunity_list")
        .annotate(
            open_interests=Count("interests", filter=Q(interests__state__in=open_states)),
        )
        .order_by("-updated_at")
    )
    return render(request, "web/soe/my_projects.html", {"projects": projects})


@soe_staff_required
def project_create(request: HttpRequest) -> HttpResponse:
    enterprise = viewer_of(request).enterprise
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", ACTION_DRAFT)
        reference = form.cleaned_data.get("reference") or _unique_reference(enterprise.reference)
        try:
            with transaction.atomic():
                project = project_create_service(
                    owner=enterprise, by=request.user, reference=reference, **form.service_fields()
                )
                if action == ACTION_PUBLISH:
                    project_publish(project=project, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        except workflow.TransitionError as error:
            form.add_error(None, error.message)
        else:
            _say_saved(request, project, action)
            return redirect("web:project_detail", reference=project.reference)
    return render(request, "web/soe/project_form.html", {"form": form, "project": None})


@soe_staff_required
def project_edit(request: HttpRequest, reference: str) -> HttpResponse:
    project = _own_project(request, reference)
    initial = {
        "reference": project.reference,
        "title": project.title,
        "description": project.description,
        "opportunity_list": project.opportunity_list_id,
        "park": project.park_id,
        "sectors": list(project.sectors.all()),
        "cooperation_modes": list(project.cooperation_modes.all()),
        "corridors": list(project.corridors.all()),
        "target_regions": list(project.target_regions.all()),
        "target_countries": [str(c) for c in project.target_countries],
        "partner_ownership": list(project.partner_ownership.all()),
        "total_investment": project.total_investment,
        "external_investment_sought": project.external_investment_sought,
        "currency": project.currency,
        "location_country": str(project.location_country),
        "location_city": project.location_city,
        "deadline": project.deadline,
    }
    form = ProjectForm(request.POST or None, initial=initial)
    form.fields["reference"].disabled = True
    if request.method == "POST":
        action = request.POST.get("action", ACTION_DRAFT)
        if action == ACTION_WITHDRAW:
            return _withdraw(request, project)
        if form.is_valid():
            fields = form.service_fields()
            if fields.get("external_investment_sought") is None:
                fields["external_investment_sought"] = fields["total_investment"]
            try:
                with transaction.atomic():
                    project_update(project=project, by=request.user, **fields)
                    if action == ACTION_PUBLISH and project.status == workflow.DRAFT:
                        project_publish(project=project, by=request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            except workflow.TransitionError as error:
                form.add_error(None, error.message)
            else:
                _say_saved(request, project, action)
                return redirect("web:project_detail", reference=project.reference)
    return render(request, "web/soe/project_form.html", {"form": form, "project": project})


def _withdraw(request: HttpRequest, project: Project) -> HttpResponse:
    try:
        project_withdraw(project=project, by=request.user, note=request.POST.get("note", ""))
    except workflow.TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The project was withdrawn."))
    return redirect("web:project_detail", reference=project.reference)


def _say_saved(request: HttpRequest, project: Project, action: str) -> None:
    if action == ACTION_PUBLISH and project.status == workflow.PUBLISHED:
        messages.success(request, _("The project is published."))
    elif action == ACTION_PUBLISH and project.status == workflow.IN_REVIEW:
        messages.success(request, _("The project was sent to an administrator for review."))
    else:
        messages.success(request, _("The project was saved."))


@soe_staff_required
def project_pipeline(request: HttpRequest, reference: str) -> HttpResponse:
    project = _own_project(request, reference)
    interests = list(
        Interest.objects.filter(project=project)
        .select_related("enterprise", "enterprise__ownership", "cooperation_mode")
        .order_by("-updated_at")
    )
    return render(
        request,
        "web/soe/project_pipeline.html",
        {
            "project": project,
            "candidates": candidate_list(project=project, interests=interests),
            "columns": board_columns(interests, sides=frozenset({deal_workflow.OWNER})),
            "move_form": InterestMoveForm(),
        },
    )


@require_POST
@soe_staff_required
def match_invite(request: HttpRequest, match_id: int) -> HttpResponse:
    match = get_object_or_404(Match.objects.select_related("project", "enterprise"), pk=match_id)
    if not project_can_edit(user=request.user, project=match.project):
        raise PermissionDenied
    try:
        interest_invite(match=match, by=request.user, message=request.POST.get("message", ""))
    except DealError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s was invited.") % {"name": match.enterprise.name})
    return redirect("web:project_pipeline", reference=match.project.reference)
