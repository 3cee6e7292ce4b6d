"""The project status machine: a pure transition table and its validation.

No ORM, no settings, no clock: callers pass the review switch, the deadline and today's
date, so the rules are the same for the admin, the API, the web views and the tasks.

    draft --publish--> published            (review off)
    draft --publish--> in_review            (review on)
    in_review --approve--> published
    in_review --send back--> draft          (a reason is required)
    published --> negotiating --> signed
    published --> signed                    (a deal may be signed straight from publication)
    draft | in_review | published | negotiating --> withdrawn
    published | negotiating --> expired     (only once the deadline has passed)

signed, withdrawn and expired are final.
"""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DRAFT = "draft"
IN_REVIEW = "in_review"
PUBLISHED = "published"
NEGOTIATING = "negotiating"
SIGNED = "signed"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"

STATUSES: tuple[str, ...] = (
    DRAFT,
    IN_REVIEW,
    PUBLISHED,
    NEGOTIATING,
    SIGNED,
    WITHDRAWN,
    EXPIRED,
)
# The same msgids as Project.Status, so both share one translation.
STATUS_LABELS = {
    DRAFT: gettext_lazy("Draft"),
    IN_REVIEW: gettext_lazy("In review"),
    PUBLISHED: gettext_lazy("Published"),
    NEGOTIATING: gettext_lazy("Negotiating"),
    SIGNED: gettext_lazy("Signed"),
    WITHDRAWN: gettext_lazy("Withdrawn"),
    EXPIRED: gettext_lazy("Expired"),
}
FINAL_STATUSES = frozenset({SIGNED, WITHDRAWN, EXPIRED})
# Statuses in which a project is visible to everyone (and can be matched and answered).
PUBLIC_STATUSES = frozenset({PUBLISHED, NEGOTIATING, SIGNED})
# Statuses an overdue project expires from.
EXPIRABLE_STATUSES = frozenset({PUBLISHED, NEGOTIATING})

# Transitions that hold whatever the review switch says.
_COMMON: dict[str, frozenset[str]] = {
    DRAFT: frozenset({WITHDRAWN}),
    IN_REVIEW: frozenset({PUBLISHED, DRAFT, WITHDRAWN}),
    PUBLISHED: frozenset({NEGOTIATING, SIGNED, WITHDRAWN, EXPIRED}),
    NEGOTIATING: frozenset({SIGNED, WITHDRAWN, EXPIRED}),
    SIGNED: frozenset(),
    WITHDRAWN: frozenset(),
    EXPIRED: frozenset(),
}


class TransitionError(Exception):
    """A refused status change; `message` is translated and safe to show to the user."""

    def __init__(self, message: str, *, from_status: str, to_status: str) -> None:
        super().__init__(message)
        self.message = message
        self.from_status = from_status
        self.to_status = to_status


def publish_target(*, review_required: bool) -> str:
    """Where "publish" takes a draft: into review, or straight to published."""
    return IN_REVIEW if review_required else PUBLISHED


def allowed_transitions(from_status: str, *, review_required: bool) -> frozenset[str]:
    """Every status a project in `from_status` may move to."""
    allowed = _COMMON.get(from_status, frozenset())
    if from_status == DRAFT:
        allowed = allowed | {publish_target(review_required=review_required)}
    return allowed


def transition_validate(
    from_status: str,
    to_status: str,
    *,
    review_required: bool,
    deadline: date | None = None,
    today: date | None = None,
    note: str = "",
) -> None:
    """Raise TransitionError unless `from_status -> to_status` is allowed.

    Expiry needs a deadline strictly before `today`; sending a project back from review
    (in_review -> draft) needs a non-blank `note` (the reason).
    """
    params = {
        "from": STATUS_LABELS.get(from_status, from_status),
        "to": STATUS_LABELS.get(to_status, to_status),
    }
    if to_status not in STATUSES:
        raise TransitionError(
            _("Unknown project status “%(to)s”.") % {"to": to_status},
            from_status=from_status,
            to_status=to_status,
        )
    if from_status == to_status:
        raise TransitionError(
            _("The project is already “%(to)s”.") % params,
            from_status=from_status,
            to_status=to_status,
        )
    if from_status in FINAL_STATUSES:
        raise TransitionError(
            _("The project is “%(from)s”; that status is final.") % params,
            from_status=from_status,
            to_status=to_status,
        )
    if to_status not in allowed_transitions(from_status, review_required=review_required):
        if from_status == DRAFT and to_status == PUBLISHED:
            message = _("Publication needs an administrator's review first.")
        elif from_status == DRAFT and to_status == IN_REVIEW:
            message = _("Publication review is switched off; publish the project directly.")
        else:
            message = _("A project cannot move from “%(from)s” to “%(to)s”.") % params
        raise TransitionError(message, from_status=from_status, to_status=to_status)
    if to_status == EXPIRED and (deadline is None or today is None or not deadline < today):
        raise TransitionError(
            _("A project expires only once its deadline has passed."),
            from_status=from_status,
            to_status=to_status,
        )
    if from_status == IN_REVIEW and to_status == DRAFT and not note.strip():
        raise TransitionError(
            _("Say why the publication is sent back."),
            from_status=from_status,
            to_status=to_status,
        )
