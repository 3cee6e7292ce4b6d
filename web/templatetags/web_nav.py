"""The navigation context of every page: who the viewer is and which sections they may open."""

from django import template

from notifications.selectors import notification_unread_count
from web.access import viewer_of

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer(context):
    """The viewer's roles (cached on the request): see web.access.Viewer."""
    return viewer_of(context["request"])


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """How many unread notifications the signed-in viewer has."""
    user = context["request"].user
    return notification_unread_count(user=user) if user.is_authenticated else 0
