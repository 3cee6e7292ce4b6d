"""The signed-in user's notifications, preferences, saved searches and follows.

Everything here is the caller's own: querysets are filtered by recipient / user /
enterprise, so another user's rows answer 404.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import ApiViewMixin, error_responses
from core.api.errors import bad_request
from enterprises.api.permissions import actor_for
from notifications import selectors, services
from notifications.api.filters import NotificationFilter
from notifications.api.permissions import HasEnterprise
from notifications.api.serializers import (
    FollowSerializer,
    MarkedSerializer,
    MarkReadInputSerializer,
    NotificationSerializer,
    PreferencesSerializer,
    SavedSearchSerializer,
    UnreadCountSerializer,
)
from notifications.models import Follow, Notification, NotificationSettings, SavedSearch
from projects.api.filters import ProjectFilter
from projects.selectors import project_list_visible_to

NOTIFICATION_EXAMPLE = {
    "id": 5,
    "kind": "interest",
    "title": "Siam Bonded Logistics Co., Ltd. expressed interest in Overseas warehouse in Thailand",
    "detail": "We operate bonded warehouses at Laem Chabang.",
    "project_id": 3,
    "created_at": "2025-07-01T09:00:00+08:00",
    "read": False,
}

_SEARCH_EXAMPLE = {
    "id": 2,
    "name": "Cold chain, ASEAN",
    "filters": {"sector": ["logistics.cold_chain"], "place": ["ASEAN"]},
    "is_active": True,
    "created_at": "2025-07-01T09:00:00+08:00",
}
_FOLLOW_EXAMPLE = {
    "id": 9,
    "project": 3,
    "project_reference": "ILSTC-2025-03",
    "project_title": "Overseas warehouse in Thailand",
    "created_at": "2025-07-01T09:00:00+08:00",
}


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        responses={200: NotificationSerializer(many=True), **error_responses(400, 401)},
        examples=[OpenApiExample("notification", value=NOTIFICATION_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One of your notifications",
        responses={200: NotificationSerializer, **error_responses(401, 404)},
        examples=[OpenApiExample("notification", value=NOTIFICATION_EXAMPLE, response_only=True)],
    ),
)
class NotificationViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Notification.objects.none()  # for the schema; get_queryset is the truth
    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = NotificationFilter

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notification_list_for_user(user=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rendered = [selectors.notification_render(n) for n in page]
        return self.get_paginated_response(NotificationSerializer(rendered, many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        rendered = selectors.notification_render(self.get_object())
        return Response(NotificationSerializer(rendered).data)

    @extend_schema(
        summary="How many of your notifications are unread",
        responses={200: UnreadCountSerializer, **error_responses(401)},
        examples=[OpenApiExample("count", value={"unread": 3}, response_only=True)],
    )
    @action(detail=False, methods=["get"], url_path="unread-count", filterset_class=None)
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.notification_unread_count(user=request.user)})

    @extend_schema(
        summary="Mark notifications read",
        description="The ids given, or every unread notification when `ids` is omitted.",
        request=MarkReadInputSerializer,
        responses={200: MarkedSerializer, **error_responses(400, 401)},
        examples=[
            OpenApiExample("some", value={"ids": [5, 6]}, request_only=True),
            OpenApiExample("marked", value={"marked": 2}, response_only=True),
        ],
    )
    @action(detail=False, methods=["post"], url_path="mark-read", filterset_class=None)
    def mark_read(self, request: Request) -> Response:
        data = MarkReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user, notification_ids=data.validated_data["ids"]
        )
        return Response({"marked": marked})


class PreferencesView(ApiViewMixin, APIView):
    """Email language and, per kind of notification, how often to email."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    _example = {
        "language": "zh-hans",
        "kinds": {
            "saved_search": "daily",
            "match": "instant",
            "interest": "instant",
            "invitation": "instant",
            "transition": "weekly",
            "followed_change": "daily",
            "deadline": "off",
        },
    }

    def _current(self, request: Request) -> dict:
        language = (
            NotificationSettings.objects.filter(user_id=request.user.pk)
            .values_list("language", flat=True)
            .first()
        )
        return {
            "language": language or "en",
            "kinds": selectors.preference_map_for_user(user=request.user),
        }

    @extend_schema(
        summary="Your notification preferences",
        responses={200: PreferencesSerializer, **error_responses(401)},
        examples=[OpenApiExample("preferences", value=_example, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        return Response(PreferencesSerializer(self._current(request)).data)

    @extend_schema(
        summary="Change your notification preferences",
        description="Only what you send changes; `off` keeps notifications in-app only.",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **error_responses(400, 401)},
        examples=[
            OpenApiExample(
                "daily digests", value={"kinds": {"saved_search": "daily"}}, request_only=True
            )
        ],
    )
    def patch(self, request: Request) -> Response:
        data = PreferencesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "language" in data.validated_data:
            services.notification_settings_set(
                user_id=request.user.pk, language=data.validated_data["language"]
            )
        for kind, frequency in data.validated_data.get("kinds", {}).items():
            services.preference_set(user_id=request.user.pk, kind=kind, frequency=frequency)
        return Response(PreferencesSerializer(self._current(request)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Your saved searches",
        responses={200: SavedSearchSerializer(many=True), **error_responses(401)},
        examples=[OpenApiExample("saved search", value=_SEARCH_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Save the project browser's filters; new projects that fit notify you",
        request=SavedSearchSerializer,
        responses={201: SavedSearchSerializer, **error_responses(400, 401)},
        examples=[
            OpenApiExample(
                "cold chain in ASEAN",
                value={
                    "name": "Cold chain, ASEAN",
                    "filters": {"sector": ["logistics.cold_chain"], "place": ["ASEAN"]},
                },
                request_only=True,
            ),
            OpenApiExample("saved", value=_SEARCH_EXAMPLE, response_only=True),
        ],
    ),
)
class SavedSearchViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = SavedSearchSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[SavedSearch]:
        return SavedSearch.objects.filter(user_id=self.request.user.pk).order_by("name", "pk")

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = SavedSearchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filters = data.validated_data["filters"]
        check = ProjectFilter(data=_as_query(filters), queryset=project_list_visible_to(user=None))
        if not check.is_valid():
            raise bad_request(
                "; ".join(f"{name}: {' '.join(errors)}" for name, errors in check.errors.items()),
                field="filters",
            )
        try:
            search = services.saved_search_create(
                user=request.user, name=data.validated_data["name"], filters=filters
            )
        except ValueError as exc:
            raise bad_request(str(exc), field="filters") from exc
        return Response(SavedSearchSerializer(search).data, status=status.HTTP_201_CREATED)


def _as_query(filters: dict):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        query.setlist(str(name), [str(v) for v in values])
    return query


@extend_schema_view(
    list=extend_schema(
        summary="Projects your enterprise follows",
        responses={200: FollowSerializer(many=True), **error_responses(401, 403)},
        examples=[OpenApiExample("follow", value=_FOLLOW_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Follow a project (its changes and deadline notify your enterprise)",
        request=FollowSerializer,
        responses={201: FollowSerializer, **error_responses(400, 401, 403)},
        examples=[
            OpenApiExample("follow", value={"project": 3}, request_only=True),
            OpenApiExample("followed", value=_FOLLOW_EXAMPLE, response_only=True),
        ],
    ),
    destroy=extend_schema(
        summary="Stop following", responses={204: None, **error_responses(401, 403, 404)}
    ),
)
class FollowViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = FollowSerializer
    permission_classes = [HasEnterprise]

    def get_queryset(self) -> QuerySet[Follow]:
        enterprise = actor_for(self.request).enterprise
        return selectors.follow_list_for_enterprise(enterprise=enterprise).order_by(
            "-created_at", "-pk"
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = FollowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project_id = data.validated_data["project_id"]
        project = project_list_visible_to(user=request.user).filter(pk=project_id).first()
        if project is None:
            raise bad_request(_("No such project among those you may see."), field="project")
        follow = services.follow_create(
            enterprise=actor_for(request).enterprise, project=project, by=request.user
        )
        return Response(
            FollowSerializer(self.get_queryset().get(pk=follow.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_destroy(self, instance: Follow) -> None:
        services.follow_delete(enterprise=instance.enterprise, project=instance.project)
