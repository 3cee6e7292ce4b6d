"""The one API router: /api/v1/. (Placeholder: the API work fills it in.)"""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
