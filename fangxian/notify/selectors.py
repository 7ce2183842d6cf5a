"""Reads for notifications: a user only ever sees their own."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Notification


def notifications_of(user):
    return Notification.objects.filter(user=user)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user).unread().count()


def unread_tiles(user) -> list:
    from fangxian.core.tiles import Tile

    count = unread_count(user)
    if not count:
        return []
    return [Tile(title=_("Unread notifications"), value=count, url=reverse("notify:list"), tone="warning")]
