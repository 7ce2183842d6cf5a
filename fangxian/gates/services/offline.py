"""Offline queues: scans queued by a station or device while offline, stored in bulk (sync)."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core.params import id_param, parse_datetime_value
from fangxian.org.models import Place

from .. import signing
from ..models import GateAlert, Scan
from .decisions import Outcome, evaluate_input
from .holders import people_for_subjects
from .recording import (
    TWO_GATES_WINDOW,
    _announce_late,
    _refusal_alert,
    _scan_row,
    _track_leave,
    _two_gates_alert,
    _watch_two_gates,
    outcome_of,
    parse_scan_id,
    record,
)

log = logging.getLogger(__name__)

MAX_SYNC_BATCH = 1000
SYNC_CLOCK_LEEWAY = timedelta(minutes=5)  # a queued scan may be dated this much ahead of the server
Pending = tuple[int, uuid.UUID, Place, datetime, dict]  # (index in the batch, scan id, gate, time, item)


def _invalid(scan_id, message: str) -> dict:
    return {"scan_id": str(scan_id), "status": "invalid", "message": message}


def _result(scan_id, status: str, outcome: Outcome) -> dict:
    return {
        "scan_id": str(scan_id),
        "status": status,
        "allowed": outcome.allowed,
        "reason": outcome.reason,
        "message": outcome.message,
        "name": outcome.name,
        "verify": outcome.verify,
    }


def _pass_subjects(texts) -> set[str]:
    """Holders named in the passes of a batch (read, not verified: only to load them in bulk)."""
    subjects = set()
    for text in texts:
        try:
            payload = json.loads(signing._unb64(text.strip().split(".")[1]))
        except (IndexError, ValueError):
            continue
        if isinstance(payload, dict) and isinstance(payload.get("s"), str):
            subjects.add(payload["s"])
    return subjects


def sync(*, items: list[dict], gates: dict[int, Place] | None = None, device=None, guard=None) -> list[dict]:
    """Store a batch of scans queued offline. Every item comes back with its status:
    stored, duplicate (already here, or twice in the batch) or invalid (with the reason).
    `gates`: the gates the sender may record at (a device: its own gate).

    In bulk: one query for the scan ids already stored, one per kind of holder, one for
    pass nonces already used, one INSERT for the batch, one query for "two gates"."""
    if len(items) > MAX_SYNC_BATCH:
        raise ValidationError(_("At most %(n)s scans per batch.") % {"n": MAX_SYNC_BATCH})
    results, pending = _read_items(items, gates=gates, device=device)
    judged = _judge(_not_stored(pending, results), device=device, guard=guard)
    rows = _claim_nonces(judged)
    try:
        with transaction.atomic():
            Scan.objects.bulk_create([scan for _i, scan, _o in rows], batch_size=500)
            _after_batch(rows)
    except IntegrityError:
        # Another request stored one of these scans or nonces meanwhile: one by one.
        log.info("gate sync batch conflicted; storing %s scans one by one", len(judged))
        with transaction.atomic():
            for index, fields, outcome in judged:
                _stored, outcome, created = record(outcome, **fields)
                results[index] = _result(fields["scan_id"], "stored" if created else "duplicate", outcome)
        return results
    for index, scan, outcome in rows:
        results[index] = _result(scan.scan_id, "stored", outcome)
    _announce_late([scan.scanned_at for _i, scan, _o in rows])
    return results


def _read_items(items: list[dict], *, gates: dict[int, Place] | None, device) -> tuple[list[dict | None], list[Pending]]:
    """Each item's scan id, gate and time, read on its own: (results with the invalid and
    repeated items answered, the items still to judge)."""
    results: list[dict | None] = [None] * len(items)
    pending: list[Pending] = []
    seen: set[uuid.UUID] = set()
    now = timezone.now()
    for index, item in enumerate(items):
        scan_id = parse_scan_id(item.get("scan_id"))
        if scan_id is None:
            results[index] = _invalid(item.get("scan_id", ""), _("Item %(n)s: the scan id is not a UUID.") % {"n": index + 1})
            continue
        if scan_id in seen:
            results[index] = {"scan_id": str(scan_id), "status": "duplicate", "message": _("Sent twice in this batch.")}
            continue
        seen.add(scan_id)
        gate = device.gate if device is not None else (gates or {}).get(id_param(item.get("gate")))
        if gate is None:
            results[index] = _invalid(scan_id, _("Item %(n)s: not a gate you may record at.") % {"n": index + 1})
            continue
        at, problem = _offline_time(item.get("scanned_at"), now)
        if problem:
            results[index] = _invalid(scan_id, problem % {"n": index + 1})
            continue
        pending.append((index, scan_id, gate, at, item))
    return results, pending


def _not_stored(pending: list[Pending], results: list[dict | None]) -> list[Pending]:
    """The items whose scan id is not stored yet (one query); the others are answered
    "duplicate" with the verdict as stored."""
    stored = {
        row["scan_id"]: row
        for row in Scan.objects.filter(scan_id__in=[p[1] for p in pending])
        .order_by()
        .values("scan_id", "verdict", "reason", "method", "subject", "category", "display_name", "nonce", "plate")
    }
    fresh = []
    for entry in pending:
        if entry[1] in stored:
            results[entry[0]] = _result(entry[1], "duplicate", outcome_of(Scan(**stored[entry[1]])))
        else:
            fresh.append(entry)
    return fresh


def _judge(fresh: list[Pending], *, device, guard) -> list[tuple[int, dict, Outcome]]:
    """Each item judged at the time it was made, the pass holders loaded in bulk first:
    (index, the fields of its scan row, outcome)."""
    people = people_for_subjects(_pass_subjects(str(e[4].get("text", "")) for e in fresh))
    judged: list[tuple[int, dict, Outcome]] = []
    for index, scan_id, gate, at, item in fresh:
        direction = str(item.get("direction", ""))
        outcome = evaluate_input(
            str(item.get("text", ""))[:2000], gate=gate, direction=direction, at=at, people=people, attended=device is None
        )
        fields = {
            "scan_id": scan_id,
            "gate": gate,
            "direction": direction,
            "at": at,
            "device": device,
            "guard": guard,
            "offline": True,
            "station_verdict": str(item.get("station_verdict", ""))[:8],
        }
        judged.append((index, fields, outcome))
    return judged


def _claim_nonces(judged: list[tuple[int, dict, Outcome]]) -> list[tuple[int, Scan, Outcome]]:
    """The scan rows to store. A pass nonce is good once: against what is stored, then in
    the batch's order; a later use becomes a "replayed" refusal."""
    nonces = {o.nonce for _i, _f, o in judged if o.allowed and o.nonce}
    used = set(Scan.objects.filter(used_nonce__in=nonces).order_by().values_list("used_nonce", flat=True)) if nonces else set()
    rows: list[tuple[int, Scan, Outcome]] = []
    for index, fields, outcome in judged:
        if outcome.allowed and outcome.nonce:
            if outcome.nonce in used:
                outcome = replace(outcome, allowed=False, reason="replayed")
            else:
                used.add(outcome.nonce)
        rows.append((index, _scan_row(outcome, **fields), outcome))
    return rows


def _after_batch(rows: list[tuple[int, Scan, Outcome]]) -> None:
    """Alerts and leave tracking for a stored batch, in a few queries."""
    replayed = {scan.nonce for _i, scan, outcome in rows if outcome.reason == "replayed" and scan.nonce}
    first_uses = (
        {
            n: (g, t)
            for n, g, t in Scan.objects.filter(used_nonce__in=replayed).order_by().values_list("used_nonce", "gate_id", "scanned_at")
        }
        if replayed
        else {}
    )
    watched = [scan for _i, scan, outcome in rows if _watch_two_gates(outcome)]
    allowed_by_subject: dict[str, list[tuple[int, int, datetime]]] = {}
    if watched:
        earliest = min(s.scanned_at for s in watched) - TWO_GATES_WINDOW
        latest = max(s.scanned_at for s in watched) + TWO_GATES_WINDOW
        for pk, subject, gate_id, at in (
            Scan.objects.filter(
                subject__in={s.subject for s in watched},
                verdict=Scan.Verdict.ALLOWED,
                scanned_at__gte=earliest,
                scanned_at__lte=latest,
            )
            .order_by()
            .values_list("pk", "subject", "gate_id", "scanned_at")
        ):
            allowed_by_subject.setdefault(subject, []).append((pk, gate_id, at))
    alerts = []
    for _index, scan, outcome in rows:
        if outcome.verify:
            continue
        if not outcome.allowed:
            alerts.append(_refusal_alert(scan, outcome, first_uses.get(scan.nonce) if outcome.reason == "replayed" else None))
            continue
        if _watch_two_gates(outcome) and any(
            pk != scan.pk and gate_id != scan.gate_id and abs(at - scan.scanned_at) <= TWO_GATES_WINDOW
            for pk, gate_id, at in allowed_by_subject.get(scan.subject, ())
        ):
            alerts.append(_two_gates_alert(scan))
        _track_leave(scan, outcome.leave_id)
    GateAlert.objects.bulk_create(alerts)


def offline_window() -> timedelta:
    return timedelta(minutes=max(1, settings.GATES_OFFLINE_WINDOW_MINUTES))


def _offline_time(value, now: datetime) -> tuple[datetime | None, str | None]:
    """The time a queued scan was made, judged on its own: (time, None), or (None, the
    problem with "%(n)s" for the item's number). A device's clock is believed only within
    the offline window (FANGXIAN_GATES_OFFLINE_WINDOW_MINUTES) before now and a small
    leeway after it: a backdated scan would otherwise pass an expired pass, and a scan
    dated 2020 or year 1 is no scan made offline."""
    at = parse_datetime_value(value)
    if at is None:
        return None, _("Item %(n)s: the scan time is missing or not a real date and time.")
    if at > now + SYNC_CLOCK_LEEWAY:
        return None, _("Item %(n)s: the scan time is in the future; check the device's clock.")
    if at < now - offline_window():
        return None, _("Item %(n)s: the scan was made more than %(hours)s hours ago; it is too old to be judged.") % {
            "n": "%(n)s",
            "hours": f"{offline_window().total_seconds() / 3600:g}",
        }
    return min(at, now), None
