"""One-click unsubscribe: a signed token in the link, no login (RFC 8058 POST works too)."""

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.models import Frequency, Kind
from notifications.services import preference_set, user_language
from notifications.tokens import unsubscribe_token_read


@csrf_exempt  # mail clients POST "List-Unsubscribe=One-Click" without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, kind = unsubscribe_token_read(token)
    except signing.BadSignature:
        return render(
            request,
            "notifications/unsubscribe.html",
            {"ok": False, "message": _("This unsubscribe link is not valid.")},
            status=400,
        )
    if not get_user_model().objects.filter(pk=user_id).exists() or (
        kind and kind not in Kind.values
    ):
        return render(
            request,
            "notifications/unsubscribe.html",
            {"ok": False, "message": _("This unsubscribe link is not valid.")},
            status=400,
        )
    preference_set(user_id=user_id, kind=kind, frequency=Frequency.OFF)
    with translation.override(user_language(user_id=user_id)):
        if kind:
            message = _("You will no longer receive emails about: %(kind)s.") % {
                "kind": Kind(kind).label
            }
        else:
            message = _("You will no longer receive notification emails from Parklink.")
        return render(request, "notifications/unsubscribe.html", {"ok": True, "message": message})
