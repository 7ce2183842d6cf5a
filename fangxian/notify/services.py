"""Writes for notifications. Outside channels run only after the transaction commits, so a
rolled-back action never sends a message."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
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
    _send_outside(list(unique), [user.email for user in unique.values()], kind=kind, title=title, body=body, url=url, email=email)
    return rows


def _send_outside(user_ids: list[int], emails: list[str], *, kind: str, title: str, body: str, url: str, email: bool) -> None:
    """E-mail (where switched on) and WeCom / DingTalk messages, after the commit."""
    if email and settings.NOTIFY_EMAIL:
        messages = [(address, title, f"{body}\n\n{url}".strip()) for address in emails if address]
        if messages:
            transaction.on_commit(lambda: channels.send_emails(messages, kind=kind))
    if messengers.wecom_enabled() or messengers.dingtalk_enabled():
        transaction.on_commit(lambda: messengers.send_to_users(user_ids, title=title, body=body, url=url, kind=kind))


# Ids per query when reading many accounts (SQLite binds at most 32,766 parameters).
CHUNK = 5000


@transaction.atomic
def notify_many(*, user_ids: Iterable[int], kind: str, title: str, body: str = "", url: str = "", email: bool = True) -> int:
    """`notify_users` for a whole audience (a notice to the school: 30,000 accounts), from
    ids: the active accounts read as (id, e-mail) and the notifications inserted with one
    executemany, no model instances. Returns how many were written."""
    ids = sorted(set(user_ids))
    accounts: list[tuple[int, str]] = []
    for start in range(0, len(ids), CHUNK):
        users = get_user_model().objects.filter(pk__in=ids[start : start + CHUNK], is_active=True)
        accounts += users.values_list("pk", "email")
    if not accounts:
        return 0
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Notification._meta.db_table)
    sql = f"INSERT INTO {table} (user_id, kind, title, body, url, created_at, read_at) VALUES (%s, %s, %s, %s, %s, %s, NULL)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(pk, kind, title[:200], body, url, at) for pk, _email in accounts])
    _send_outside(
        [pk for pk, _email in accounts], [address for _pk, address in accounts], kind=kind, title=title, body=body, url=url, email=email
    )
    return len(accounts)


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
