"""The words of every notification, in the active language (callers use translation.override).

Notifications store parameters, not text, so one row reads in English for one user and
in Chinese for another, and a corrected translation corrects old notifications too.
"""

from django.utils.translation import gettext as _

from notifications.models import Kind, Notification


def _state_label(state: str) -> str:
    from deals.models import Interest

    try:
        return str(Interest.State(state).label)
    except ValueError:
        return state


def _status_label(status: str) -> str:
    from projects.models import Project

    try:
        return str(Project.Status(status).label)
    except ValueError:
        return status


def notification_title(notification: Notification) -> str:
    """One line saying what happened, in the active language."""
    c = notification.context
    project = c.get("project_title", "")
    if notification.kind == Kind.SAVED_SEARCH:
        return _("New project for your saved search “%(search)s”: %(project)s") % {
            "search": c.get("search_name", ""),
            "project": project,
        }
    if notification.kind == Kind.MATCH:
        return _("New candidate partnership: %(enterprise)s for %(project)s (score %(score)s)") % {
            "enterprise": c.get("enterprise_name", ""),
            "project": project,
            "score": c.get("score", ""),
        }
    if notification.kind == Kind.INTEREST:
        return _("%(enterprise)s expressed interest in %(project)s") % {
            "enterprise": c.get("enterprise_name", ""),
            "project": project,
        }
    if notification.kind == Kind.INVITATION:
        return _("%(owner)s invites %(enterprise)s to cooperate on %(project)s") % {
            "owner": c.get("owner_name", ""),
            "enterprise": c.get("enterprise_name", ""),
            "project": project,
        }
    if notification.kind == Kind.TRANSITION:
        return _("%(project)s with %(enterprise)s: now %(state)s") % {
            "project": project,
            "enterprise": c.get("enterprise_name", ""),
            "state": _state_label(c.get("to_state", "")),
        }
    if notification.kind == Kind.FOLLOWED_CHANGE:
        if c.get("to_status"):
            return _("A project you follow is now %(status)s: %(project)s") % {
                "status": _status_label(c["to_status"]),
                "project": project,
            }
        return _("A project you follow was updated: %(project)s") % {"project": project}
    if notification.kind == Kind.DEADLINE:
        return _("A project you follow closes on %(deadline)s: %(project)s") % {
            "deadline": c.get("deadline", ""),
            "project": project,
        }
    return project


def notification_detail(notification: Notification) -> str:
    """A second line with what the other side wrote, when there is something to add."""
    c = notification.context
    if notification.kind in (Kind.INTEREST, Kind.INVITATION) and c.get("message"):
        return c["message"]
    if notification.kind == Kind.TRANSITION and c.get("note"):
        return c["note"]
    if c.get("project_reference"):
        return _("Project reference: %(reference)s") % {"reference": c["project_reference"]}
    return ""
