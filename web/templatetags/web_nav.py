"""The navigation context of every page: who the viewer is and which sections they may open."""

from django import template

from web.access import viewer_of

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer(context):
    """The viewer's roles (cached on the request): see web.access.Viewer."""
    return viewer_of(context["request"])
