"""Who the viewer is, for the web pages: anonymous, enterprise member, SOE staff, admin.

Reads only; the rules of what each role may do live in the apps' services and selectors.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from enterprises.models import Enterprise
from enterprises.selectors import enterprise_for_user, user_is_platform_admin


@dataclass(frozen=True)
class Viewer:
    is_authenticated: bool
    is_admin: bool
    enterprise: Enterprise | None

    @property
    def is_member(self) -> bool:
        """A member of an enterprise that is not an SOE (a partner looking for projects)."""
        return self.enterprise is not None and not self.enterprise.is_soe

    @property
    def is_soe_staff(self) -> bool:
        return self.enterprise is not None and self.enterprise.is_soe

    @property
    def is_verified_member(self) -> bool:
        return self.is_member and self.enterprise is not None and self.enterprise.is_verified

    @property
    def sees_dashboard(self) -> bool:
        return self.is_admin or self.is_soe_staff


def viewer_of(request: HttpRequest) -> Viewer:
    cached = getattr(request, "_parklink_viewer", None)
    if cached is not None:
        return cached
    user = request.user
    result = Viewer(
        is_authenticated=user.is_authenticated,
        is_admin=user_is_platform_admin(user=user),
        enterprise=enterprise_for_user(user=user),
    )
    request._parklink_viewer = result
    return result


def role_required(check):
    """View decorator: sign-in first, then `check(viewer)` must hold, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url=reverse("web:login"))
            if not check(viewer_of(request)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


login_required_web = role_required(lambda v: v.is_authenticated)
member_required = role_required(lambda v: v.is_member)
soe_staff_required = role_required(lambda v: v.is_soe_staff)
dashboard_required = role_required(lambda v: v.sees_dashboard)
enterprise_required = role_required(lambda v: v.enterprise is not None)
