"""Writes for notifications. Outside channels run only after the transaction commits, so a
rolled-back action never sends a message."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import channels, messengers
from .models import Notification


@transaction.atomic
def notify_users(*, users: Iterable, kind: str, title: str, body: str = "", url: str = "", email: bool = True) -> list[Notification]:
    """An in-app notification for each user (each user once), and an e-mail to those with
    an address when e-mail is switched on."""
    unique = {user.pk: user for user in users if user is not None and user.is_active}
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, title=title[:200], body=body, url=url, created_at=now) for user in unique.values()]
    )
    if email and settings.NOTIFY_EMAIL:
        messages = [(user.email, title, f"{body}\n\n{url}".strip()) for user in unique.values() if user.email]
        if messages:
            transaction.on_commit(lambda: channels.send_emails(messages, kind=kind))
    if messengers.wecom_enabled() or messengers.dingtalk_enabled():
        # To each person in WeCom / DingTalk where configured, after the commit.
        user_ids = list(unique)
        transaction.on_commit(lambda: messengers.send_to_users(user_ids, title=title, body=body, url=url, kind=kind))
    return rows


def notify_groups(*, kind: str, text: str, mobiles: list[str] | None = None) -> None:
    """A message to the configured group chats, after the current transaction commits."""
    if settings.NOTIFY_WEBHOOKS:
        transaction.on_commit(lambda: channels.send_webhooks(text, kind=kind, mobiles=mobiles))


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when `ids` is None)."""
    qs = Notification.objects.filter(user=user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
