"""The web application's pages, namespace "web"."""

from django.urls import path

from web.views import account, auth, dashboard, member, public, soe

app_name = "web"

urlpatterns = [
    path("", public.home, name="home"),
    path("opportunities/", public.project_list, name="project_list"),
    path("opportunities/<str:reference>/", public.project_detail, name="project_detail"),
    path("parks/", public.park_list, name="park_list"),
    path("parks/<int:pk>/", public.park_detail, name="park_detail"),
    path("enterprises/<str:reference>/", public.enterprise_detail, name="enterprise_detail"),
    # Accounts
    path("accounts/signup/", auth.signup, name="signup"),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Enterprise members
    path("me/profile/", member.profile, name="profile"),
    path("me/account/", account.account, name="account"),
    path("me/account/export/", account.account_export, name="account_export"),
    path("me/account/delete/", account.account_delete, name="account_delete"),
    path("me/recommended/", member.recommendations, name="recommendations"),
    path("me/recommended/<int:match_id>/dismiss/", member.match_dismiss, name="match_dismiss"),
    path("me/interests/", member.my_interests, name="my_interests"),
    path(
        "opportunities/<str:reference>/interest/", member.interest_express, name="interest_express"
    ),
    path("opportunities/<str:reference>/follow/", member.project_follow, name="project_follow"),
    path("searches/save/", member.search_save, name="search_save"),
    path("interests/<int:pk>/", member.interest_detail, name="interest_detail"),
    path("interests/<int:pk>/move/", member.interest_move, name="interest_move"),
    path("me/notifications/", member.notifications, name="notifications"),
    path("me/notifications/preferences/", member.preferences, name="preferences"),
    # SOE staff
    path("soe/projects/", soe.my_projects, name="my_projects"),
    path("soe/projects/new/", soe.project_create, name="project_create"),
    path("soe/projects/<str:reference>/edit/", soe.project_edit, name="project_edit"),
    path("soe/projects/<str:reference>/pipeline/", soe.project_pipeline, name="project_pipeline"),
    path("soe/matches/<int:match_id>/invite/", soe.match_invite, name="match_invite"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
