"""A user's own account: download everything Parklink holds about them, or delete it.

Both ask for the password again. Deletion keeps the interests and pipeline history the
user took part in, without their name (web.services.user_delete).
"""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from web.access import login_required_web
from web.forms import PasswordConfirmForm
from web.selectors import user_data_export
from web.services import user_delete

EXPORT_PREFIX = "export"
DELETE_PREFIX = "delete"


def _page(request: HttpRequest, *, export_form=None, delete_form=None, status=200):
    return render(
        request,
        "web/member/account.html",
        {
            "export_form": export_form
            or PasswordConfirmForm(user=request.user, prefix=EXPORT_PREFIX),
            "delete_form": delete_form
            or PasswordConfirmForm(user=request.user, prefix=DELETE_PREFIX),
        },
        status=status,
    )


@login_required_web
def account(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@login_required_web
def account_export(request: HttpRequest) -> HttpResponse:
    form = PasswordConfirmForm(request.POST, user=request.user, prefix=EXPORT_PREFIX)
    if not form.is_valid():
        return _page(request, export_form=form, status=400)
    data = user_data_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"parklink-{request.user.get_username()}-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@login_required_web
def account_delete(request: HttpRequest) -> HttpResponse:
    form = PasswordConfirmForm(request.POST, user=request.user, prefix=DELETE_PREFIX)
    if request.POST.get(f"{DELETE_PREFIX}-confirm") != "yes":
        form.add_error(None, _("Tick the box to confirm that you want to delete your account."))
    if not form.is_valid():
        return _page(request, delete_form=form, status=400)
    user_delete(user=request.user)
    logout(request)
    messages.success(
        request,
        _("Your account was deleted. The interests you took part in are kept without your name."),
    )
    return redirect("web:home")
