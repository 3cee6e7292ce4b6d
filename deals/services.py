"""Writes of the deal flow: expressing interest, inviting candidates, moving the pipeline.

Every function here runs in one transaction, checks who may do what, and sends a
deals.signals signal inside that transaction (notifications write their outbox rows in
it). A refused call raises `DealError` and changes nothing.
"""

from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import history_user_set
from core.models import CooperationMode
from core.money import exchange_rates_latest
from deals import workflow
from deals.models import Interest, InterestTransition
from deals.signals import interest_created, interest_transitioned
from enterprises.models import Enterprise
from matchmaking.models import Match
from projects.models import Project

# A project takes interest while it is published or being negotiated.
PROJECT_STATES_OPEN_TO_INTEREST = frozenset({Project.Status.PUBLISHED, Project.Status.NEGOTIATING})


class DealError(ValidationError):
    """A refused deal-flow action; `code` says why, the message says it to the user."""


def _enterprise_of(user: AbstractBaseUser) -> Enterprise | None:
    membership = getattr(user, "membership", None)
    return membership.enterprise if membership is not None else None


def interest_sides_of(*, interest: Interest, user: AbstractBaseUser) -> frozenset[str]:
    """Which side(s) of the interest `user` acts for: `enterprise`, `owner`, or none."""
    enterprise = _enterprise_of(user)
    if enterprise is None:
        return frozenset()
    sides = set()
    if enterprise.pk == interest.enterprise_id:
        sides.add(workflow.ENTERPRISE)
    if enterprise.pk == interest.project.owner_id:
        sides.add(workflow.OWNER)
    return frozenset(sides)


def _clean_amount(amount: Decimal | str | None, currency: str, *, field: str) -> Decimal | None:
    if amount is None or amount == "":
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise DealError(
            _("%(field)s: %(value)s is not a number.") % {"field": field, "value": amount},
            code="invalid_amount",
        ) from None
    if not value.is_finite() or value < 0:
        raise DealError(
            _("%(field)s: %(value)s must be zero or more.") % {"field": field, "value": amount},
            code="invalid_amount",
        )
    _clean_currency(currency, field="currency")
    return value


def _clean_currency(currency: str, *, field: str) -> str:
    if currency not in exchange_rates_latest():
        raise DealError(
            _("%(field)s: %(value)s is not a currency with an exchange rate.")
            % {"field": field, "value": currency},
            code="invalid_currency",
        )
    return currency


def _clean_mode(code: str | None) -> CooperationMode | None:
    if not code:
        return None
    mode = CooperationMode.objects.filter(pk=code).first()
    if mode is None:
        raise DealError(
            _("cooperation_mode: %(value)s is not a cooperation mode.") % {"value": code},
            code="invalid_mode",
        )
    return mode


def _create(**fields) -> Interest:
    try:
        with transaction.atomic():
            interest = Interest(**fields)
            history_user_set(instance=interest, user=fields.get("created_by"))
            interest.save(force_insert=True)
    except IntegrityError as exc:
        if "interest_one_open_per_pair" in str(exc):
            raise DealError(
                _("This enterprise already has an open interest in this project."),
                code="already_open",
            ) from None
        raise
    interest_created.send(sender=Interest, interest_id=interest.pk)
    return interest


def _check_project_open(project: Project) -> None:
    if project.status not in PROJECT_STATES_OPEN_TO_INTEREST:
        raise DealError(
            _("Project %(reference)s is not open to interest (status: %(status)s).")
            % {"reference": project.reference, "status": project.get_status_display()},
            code="project_not_open",
        )


@transaction.atomic
def interest_express(
    *,
    project: Project,
    by: AbstractBaseUser,
    message: str = "",
    cooperation_mode: str | None = None,
    indicative_amount: Decimal | str | None = None,
    currency: str = "CNY",
) -> Interest:
    """`by`'s enterprise expresses interest in `project`.

    Only a member of a verified enterprise, only in a published or negotiating project,
    never in a project of their own enterprise, and only one open interest per pair.
    """
    enterprise = _enterprise_of(by)
    if enterprise is None:
        raise DealError(_("Only members of an enterprise can express interest."), code="no_member")
    if not enterprise.is_verified:
        raise DealError(
            _("Your enterprise must be verified before it can express interest."),
            code="not_verified",
        )
    project = Project.objects.select_for_update().get(pk=project.pk)
    _check_project_open(project)
    if project.owner_id == enterprise.pk:
        raise DealError(
            _("An enterprise cannot express interest in its own project."), code="own_project"
        )
    amount = _clean_amount(indicative_amount, currency, field="indicative_amount")
    return _create(
        enterprise=enterprise,
        project=project,
        initiated_by=Interest.Initiator.ENTERPRISE,
        message=message,
        cooperation_mode=_clean_mode(cooperation_mode),
        indicative_amount=amount,
        currency=currency,
        created_by=by,
    )


@transaction.atomic
def interest_invite(
    *,
    match: Match,
    by: AbstractBaseUser,
    message: str = "",
    cooperation_mode: str | None = None,
) -> Interest:
    """The project owner's SOE staff invite a candidate from the match list.

    Creates the same record as an expression of interest, from the other side, and
    marks the match `contacted`.
    """
    match = Match.objects.select_for_update().select_related("project").get(pk=match.pk)
    project = match.project
    enterprise = _enterprise_of(by)
    if enterprise is None or enterprise.pk != project.owner_id:
        raise DealError(
            _("Only staff of the project's owner can invite candidates."), code="not_owner"
        )
    if not match.eligible:
        raise DealError(
            _("This candidate may not join this project: %(reason)s")
            % {"reason": match.ineligibility_reason},
            code="ineligible",
        )
    _check_project_open(project)
    if match.enterprise_id == project.owner_id:
        raise DealError(
            _("An enterprise cannot be invited to its own project."), code="own_project"
        )
    interest = _create(
        enterprise_id=match.enterprise_id,
        project=project,
        initiated_by=Interest.Initiator.PROJECT_OWNER,
        message=message,
        cooperation_mode=_clean_mode(cooperation_mode),
        currency="CNY",
        created_by=by,
    )
    match.state = Match.State.CONTACTED
    match.state_changed_at = timezone.now()
    match.save(update_fields=["state", "state_changed_at"])
    return interest


def _project_to_signed(*, project: Project, by: AbstractBaseUser, note: str) -> None:
    # The projects app owns project statuses; it records and signals the change.
    from projects.services import project_transition
    from projects.workflow import TransitionError

    if project.status == Project.Status.SIGNED:
        return  # a second agreement on an already signed project
    try:
        project_transition(project=project, to=Project.Status.SIGNED, by=by, note=note)
    except TransitionError as exc:
        raise DealError(exc.message, code="project_not_signable") from None


@transaction.atomic
def interest_transition(
    *,
    interest: Interest,
    to: str,
    by: AbstractBaseUser,
    note: str = "",
    signed_value: Decimal | str | None = None,
    signed_currency: str = "",
) -> InterestTransition:
    """Move `interest` to state `to`, if `by` may, and record who, when and why.

    Both sides move forward; the owner's SOE staff decline; the enterprise withdraws.
    `agreement_signed` needs the signed value and currency, and moves the project to
    `signed`.
    """
    interest = (
        Interest.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=interest.pk)
    )
    if to not in Interest.State.values:
        raise DealError(_("%(state)s is not a pipeline state.") % {"state": to}, code="bad_state")
    sides = interest_sides_of(interest=interest, user=by)
    if not sides:
        raise DealError(_("You are not a party to this interest."), code="not_party")
    if not workflow.sides_allowed(interest.state, to):
        raise DealError(
            _("An interest cannot move from %(from)s to %(to)s.")
            % {
                "from": Interest.State(interest.state).label,
                "to": Interest.State(to).label,
            },
            code="not_allowed",
        )
    if not workflow.is_allowed(interest.state, to, sides=sides):
        raise DealError(
            _("Your side cannot move this interest to %(to)s.") % {"to": Interest.State(to).label},
            code="wrong_side",
        )
    fields = ["state", "updated_at"]
    if to == workflow.AGREEMENT_SIGNED:
        value = _clean_amount(signed_value, signed_currency, field="signed_value")
        if not value:
            raise DealError(
                _("signed_value: an agreement needs its signed value, above zero."),
                code="no_signed_value",
            )
        interest.signed_value = value
        interest.signed_currency = signed_currency
        interest.signed_at = timezone.now()
        fields += ["signed_value", "signed_currency", "signed_at"]
    from_state = interest.state
    interest.state = to
    history_user_set(instance=interest, user=by)
    interest.save(update_fields=fields)
    transition = InterestTransition.objects.create(
        interest=interest, from_state=from_state, to_state=to, by=by, note=note
    )
    if to == workflow.AGREEMENT_SIGNED:
        _project_to_signed(project=interest.project, by=by, note=note)
    interest_transitioned.send(
        sender=Interest, interest_id=interest.pk, transition_id=transition.pk
    )
    return transition
