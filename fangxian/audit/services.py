"""Writing security events. Call `record_event` inside the transaction of the action it
records, so that the event and the action commit or roll back together."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from .models import SecurityEvent
from .shipping import ship


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_import(sender, *, user=None, signal=None, **detail) -> None:
    """Receiver of fangxian.core.signals.import_recorded: an import or its undo."""
    record_event(SecurityEvent.Kind.IMPORT, user=user, **detail)


def record_event(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user=None,
    username: str = "",
    **detail,
) -> SecurityEvent:
    request_user = getattr(request, "user", None)
    if user is None and request_user is not None and request_user.is_authenticated:
        user = request_user
    if not username and user is not None:
        username = user.get_username()
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username[:150],
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
        request_id=getattr(request, "request_id", "") if request is not None else "",
        detail=detail,
    )
    # Off the host once it is committed (a rolled-back action leaves no event to ship).
    transaction.on_commit(lambda: ship(event))
    return event
