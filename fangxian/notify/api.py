"""/api/v1/notify/: the caller's own notifications."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from fangxian.org.permissions import RolePermission

from .models import Notification
from .selectors import notifications_of, unread_count
from .services import notifications_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class NotificationList(generics.ListAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        return notifications_of(self.request.user)


@extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}), summary="Number of unread notifications")
@api_view(["GET"])
def unread(request):
    return Response({"unread": unread_count(request.user)})


@extend_schema(
    request=inline_serializer("MarkRead", {"ids": serializers.ListField(child=serializers.IntegerField(), required=False)}),
    responses=inline_serializer("Marked", {"marked": serializers.IntegerField()}),
    summary="Mark notifications read (all when no ids are given)",
)
@api_view(["POST"])
@permission_classes([RolePermission.with_roles(read=None, write=None)])  # the caller's own notifications
def mark_read(request):
    ids = request.data.get("ids") if isinstance(request.data, dict) else None
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, int) for i in ids)):
        raise serializers.ValidationError({"ids": "ids must be a list of whole numbers"})
    return Response({"marked": notifications_mark_read(user=request.user, ids=ids)})


urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="api-notifications"),
    path("notifications/unread/", unread, name="api-notifications-unread"),
    path("notifications/read/", mark_read, name="api-notifications-read"),
]
