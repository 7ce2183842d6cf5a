"""The guard's answer to a typed number ("verify in person"), recorded as its own scan."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Scan, Visit
from ..selectors import is_revoked
from .decisions import Outcome, _other_campus, decide_person, decide_visit
from .holders import _person_for_subject
from .recording import record

CONFIRM_WINDOW = timedelta(minutes=10)  # a typed number is confirmed while the person is at the gate
_CONFIRM_NAMESPACE = uuid.UUID("5d0c3f52-7a8e-4f57-9b2c-6f1e0c2b9a41")


def confirmation_id(scan_id: uuid.UUID) -> uuid.UUID:
    """The scan id of the guard's answer to a "verify in person" scan: one answer per scan,
    however often the button is pressed or the request re-sent."""
    return uuid.uuid5(_CONFIRM_NAMESPACE, str(scan_id))


def confirm_typed(*, scan: Scan, guard, confirmed: bool) -> tuple[Scan, Outcome, bool]:
    """The guard's answer to a typed number ("verify in person"), recorded as its own scan
    with method CONFIRMED: the person seen and let through, or refused ("not_confirmed").
    The holder is judged again now (a revocation or a policy change in between counts)."""
    if scan.verdict != Scan.Verdict.VERIFY:
        raise ValidationError(_("This scan does not wait for a confirmation."))
    now = timezone.now()
    if now - scan.received_at > CONFIRM_WINDOW:
        raise ValidationError(_("This check is older than 10 minutes; enter the number again."))
    base = Outcome(False, "", method=Scan.Method.CONFIRMED, subject=scan.subject, name=scan.display_name, category=scan.category)
    if not confirmed:
        outcome = replace(base, reason="not_confirmed")
    else:
        outcome = _judge_again(scan, base, now)
    return record(
        outcome,
        scan_id=confirmation_id(scan.scan_id),
        gate=scan.gate,
        direction=scan.direction,
        at=now,
        guard=guard,
    )


def _judge_again(scan: Scan, base: Outcome, now: datetime) -> Outcome:
    holder = _person_for_subject(scan.subject)
    if holder is None:
        return replace(base, reason="unknown")
    if is_revoked(scan.subject, now):
        return replace(base, reason="revoked")
    campus_id = scan.campus_id
    if isinstance(holder, Visit):
        outcome = decide_visit(holder, campus_id=campus_id, direction=scan.direction, at=now, base=base)
    elif _other_campus(holder, campus_id):
        return replace(base, reason="other_campus")
    else:
        outcome = decide_person(holder, campus_id=campus_id, direction=scan.direction, at=now, method=scan.method, base=base)
    if not outcome.allowed:
        return replace(outcome, method=Scan.Method.CONFIRMED)
    return replace(outcome, method=Scan.Method.CONFIRMED, reason="ok_confirmed", detail="")
