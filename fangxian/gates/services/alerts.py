"""Gate alerts: raise and deliver once. Overdue leave returns are a deadline kind
(gates/deadlines.py) whose step raises them."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from fangxian.org.models import Staff

from ..models import GateAlert

log = logging.getLogger(__name__)


def raise_alert(
    *,
    kind: str,
    message: str,
    campus_id: int | None = None,
    subject: str = "",
    scan_pk: int | None = None,
    leave=None,
    recipient: Staff | None = None,
) -> GateAlert:
    alert = GateAlert.objects.create(
        kind=kind, message=message[:300], campus_id=campus_id, subject=subject, scan_pk=scan_pk, leave=leave, recipient=recipient
    )
    if recipient is not None:
        transaction.on_commit(lambda: send_alert(alert))
    return alert


def send_alert(alert: GateAlert) -> None:
    """Deliver an alert: an in-app notification (and e-mail) to the responsible staff
    member when there is one; every alert also stays on the alerts page. Sent once: the
    row is claimed by setting sent_at before anything goes out."""
    from django.urls import reverse

    from fangxian.notify.services import notify_users

    log.info("gate alert %s to staff %s: %s", alert.kind, alert.recipient_id, alert.message)
    if not GateAlert.objects.filter(pk=alert.pk, sent_at__isnull=True).update(sent_at=timezone.now()):
        return
    recipient = Staff.objects.filter(pk=alert.recipient_id).select_related("user").first() if alert.recipient_id else None
    if recipient is not None and recipient.user is not None:
        # Overdue returns go to the student's staff, who follow them in the leave list.
        url = reverse("gates:leave_list") if alert.kind == GateAlert.Kind.OVERDUE else reverse("gates:alerts")
        notify_users(users=[recipient.user], kind=f"gates.{alert.kind}", title=alert.message, url=url)
