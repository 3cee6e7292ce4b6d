"""Sign-up, sign-in, sign-out and password reset (Django's auth views, our templates)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit

from enterprises.selectors import enterprise_for_user
from web.forms import SignupForm, apply_service_errors
from web.services import enterprise_application_submit


def _signup_rate(group: str, request: HttpRequest) -> str:
    return settings.SIGNUP_RATE


def _password_reset_rate(group: str, request: HttpRequest) -> str:
    return settings.PASSWORD_RESET_RATE


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Too many sign-ups or password resets from one address: a clear 429 page."""
    return render(request, "web/auth/rate_limited.html", status=429)


@ratelimit(key="ip", rate=_signup_rate, method="POST", block=False, group="web.signup")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    if getattr(request, "limited", False):
        return rate_limited(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                enterprise_application_submit(
                    user=user,
                    name=form.cleaned_data["enterprise_name"],
                    ownership=form.cleaned_data["ownership"],
                    country=form.cleaned_data["country"],
                    sectors=list(form.cleaned_data["sectors"]),
                    website=form.cleaned_data.get("website") or "",
                    description=form.cleaned_data.get("description") or "",
                )
        except ValidationError as error:
            apply_service_errors(form, error, renames={"name": "enterprise_name"})
            return render(request, "web/auth/signup.html", {"form": form})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Welcome! Your enterprise has been registered. An administrator will verify it "
                "before you can express interest in projects."
            ),
        )
        return redirect("web:profile")
    return render(request, "web/auth/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "web/auth/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        enterprise = enterprise_for_user(user=user)
        if enterprise is not None and enterprise.is_soe:
            return reverse("web:my_projects")
        if enterprise is not None:
            return reverse("web:recommendations")
        return reverse("web:home")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("web:home")


@method_decorator(
    ratelimit(key="ip", rate=_password_reset_rate, method="POST", block=False, group="web.reset"),
    name="post",
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/auth/password_reset_form.html"
    email_template_name = "web/auth/password_reset_email.txt"
    subject_template_name = "web/auth/password_reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request, "limited", False):
            return rate_limited(request)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/auth/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/auth/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/auth/password_reset_complete.html"
