"""The one router of the API: /api/v1/. Each app's api/ package holds its views."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from core.api.views import (
    CooperationModeViewSet,
    CorridorViewSet,
    OwnershipTypeViewSet,
    RegionViewSet,
    SectorViewSet,
    TokenViewSet,
    not_found,
)
from deals.api.views import InterestViewSet, OpportunityListDealTotalsView
from enterprises.api.views import EnterpriseViewSet, MeView
from matchmaking.api.views import MatchViewSet
from notifications.api.views import (
    FollowViewSet,
    NotificationViewSet,
    PreferencesView,
    SavedSearchViewSet,
)
from projects.api.views import OpportunityListViewSet, ParkViewSet, ProjectViewSet

router = DefaultRouter()
router.register("sectors", SectorViewSet, basename="sector")
router.register("corridors", CorridorViewSet, basename="corridor")
router.register("cooperation-modes", CooperationModeViewSet, basename="cooperation-mode")
router.register("ownership-types", OwnershipTypeViewSet, basename="ownership-type")
router.register("regions", RegionViewSet, basename="region")
router.register("auth/tokens", TokenViewSet, basename="token")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("opportunity-lists", OpportunityListViewSet, basename="opportunity-list")
router.register("parks", ParkViewSet, basename="park")
router.register("projects", ProjectViewSet, basename="project")
router.register("matches", MatchViewSet, basename="match")
router.register("interests", InterestViewSet, basename="interest")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("saved-searches", SavedSearchViewSet, basename="saved-search")
router.register("follows", FollowViewSet, basename="follow")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path(
        "notifications/preferences/",
        PreferencesView.as_view(),
        name="notification-preferences",
    ),
    path(
        "opportunity-lists/<int:pk>/deal-totals/",
        OpportunityListDealTotalsView.as_view(),
        name="opportunity-list-deal-totals",
    ),
    *router.urls,
    # Anything else under /api/v1/ is a 404 in the API's error shape, not an HTML page.
    re_path(r"^.*$", not_found, name="api-not-found"),
]
