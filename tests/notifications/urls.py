"""The URLs these tests need, as config/urls.py will include them (at /notifications/)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
]
