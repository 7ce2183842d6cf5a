"""Recording a scan exactly once (one INSERT … ON CONFLICT DO NOTHING), and what follows
it: refusal and "two gates" alerts, leave tracking, late-day announcements."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core.signals import past_days_stored
from fangxian.org.models import Place

from ..models import DIRECTIONS, Direction, GateAlert, LeaveApplication, Scan
from ..selectors import campus_id_of
from .decisions import Outcome, evaluate_input

TWO_GATES_WINDOW = timedelta(minutes=1)


def _scan_row(
    outcome: Outcome, *, scan_id, gate: Place, direction: str, at: datetime, device, guard, offline: bool, station_verdict: str
) -> Scan:
    """The scan as it will be stored (not saved yet). An allowed pass claims its nonce in
    `used_nonce` (unique): a second use cannot be stored as allowed."""
    return Scan(
        scan_id=scan_id,
        campus_id=gate.parent_id or campus_id_of(gate),
        gate=gate,
        direction=direction if direction in DIRECTIONS else Direction.IN,
        method=outcome.method,
        subject=outcome.subject,
        category=outcome.category,
        display_name=outcome.name[:60],
        plate=outcome.plate,
        verdict=outcome.verdict,
        reason=outcome.reason,
        nonce=outcome.nonce,
        used_nonce=outcome.nonce if (outcome.allowed and outcome.nonce) else None,
        device=device,
        guard=guard,
        offline=offline,
        station_verdict=station_verdict,
        scanned_at=at,
    )


def _watch_two_gates(outcome: Outcome) -> bool:
    """Allowed people and visitors are watched for "the same pass at two gates"."""
    return outcome.allowed and outcome.subject[:1] in ("S", "T", "V")


_INSERTS: dict = {}


def _insert_sql(watch_two_gates: bool) -> tuple[str, list]:
    """The INSERT of _insert and the fields it stores, built once per database vendor."""
    key = (connection.vendor, watch_two_gates)
    if key not in _INSERTS:
        qn = connection.ops.quote_name
        fields = [f for f in Scan._meta.concrete_fields if not f.primary_key]
        table = qn(Scan._meta.db_table)
        returning = qn(Scan._meta.pk.column)
        if watch_two_gates:
            # Identifiers come from the model's metadata; every value is a parameter.
            c = {name: f"other.{qn(name)}" for name in ("subject", "verdict", "scanned_at", "gate_id")}
            where = (
                f"{c['subject']} = %s AND {c['verdict']} = %s"
                f" AND {c['scanned_at']} >= %s AND {c['scanned_at']} <= %s AND {c['gate_id']} <> %s"
            )
            returning += f", (SELECT 1 FROM {table} AS other WHERE {where} LIMIT 1)"  # noqa: S608
        columns = ", ".join(qn(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING RETURNING {returning}"  # noqa: S608
        _INSERTS[key] = (sql, fields)
    return _INSERTS[key]


def _insert(scan: Scan, *, watch_two_gates: bool) -> tuple[int | None, bool]:
    """One statement: INSERT … ON CONFLICT DO NOTHING RETURNING the new id and, for a
    watched holder, whether they were let through at another gate within the minute.
    (None, False) when the scan id or the pass nonce is already stored. No savepoint is
    needed: a conflict neither raises nor spoils the surrounding transaction."""
    sql, fields = _insert_sql(watch_two_gates)
    params = [f.get_db_prep_save(f.pre_save(scan, True), connection) for f in fields]
    if watch_two_gates:
        when = Scan._meta.get_field("scanned_at")
        params += [
            scan.subject,
            Scan.Verdict.ALLOWED,
            when.get_db_prep_value(scan.scanned_at - TWO_GATES_WINDOW, connection),
            when.get_db_prep_value(scan.scanned_at + TWO_GATES_WINDOW, connection),
            scan.gate_id,
        ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, False
    scan.pk = row[0]
    scan._state.adding, scan._state.db = False, connection.alias
    return row[0], bool(watch_two_gates and row[1])


def record(
    outcome: Outcome,
    *,
    scan_id,
    gate: Place,
    direction: str,
    at: datetime,
    device=None,
    guard=None,
    offline: bool = False,
    station_verdict: str = "",
) -> tuple[Scan, Outcome, bool]:
    """Store a scan once. Returns (scan, outcome as stored, created). A scan id seen
    before returns the stored scan; a pass nonce already used turns into a refusal."""
    fields = {
        "scan_id": scan_id,
        "gate": gate,
        "direction": direction,
        "at": at,
        "device": device,
        "guard": guard,
        "offline": offline,
        "station_verdict": station_verdict,
    }
    scan = _scan_row(outcome, **fields)
    pk, seen_elsewhere = _insert(scan, watch_two_gates=_watch_two_gates(outcome))
    if pk is None:
        existing = Scan.objects.filter(scan_id=scan_id).first()
        if existing is not None:
            return existing, outcome_of(existing), False
        outcome = replace(outcome, allowed=False, reason="replayed")
        scan = _scan_row(outcome, **fields)
        pk, seen_elsewhere = _insert(scan, watch_two_gates=False)
        if pk is None:  # the same scan id arrived in between
            existing = Scan.objects.get(scan_id=scan_id)
            return existing, outcome_of(existing), False
    _after_scan(scan, outcome, seen_elsewhere=seen_elsewhere)
    _announce_late([at])
    return scan, outcome, True


def outcome_of(scan: Scan) -> Outcome:
    return Outcome(
        scan.verdict == Scan.Verdict.ALLOWED,
        scan.reason,
        method=scan.method,
        subject=scan.subject,
        category=scan.category,
        name=scan.display_name,
        nonce=scan.nonce,
        plate=scan.plate,
        verify=scan.verdict == Scan.Verdict.VERIFY,
    )


def _refusal_alert(scan: Scan, outcome: Outcome, first_use: tuple[int, datetime] | None) -> GateAlert:
    """The alert for a refused scan (unsaved): "two gates" when a replayed pass was first
    used at another gate within the minute, else "refused"."""
    if first_use and first_use[0] != scan.gate_id and abs(first_use[1] - scan.scanned_at) <= TWO_GATES_WINDOW:
        return _two_gates_alert(scan)
    return GateAlert(
        kind=GateAlert.Kind.REFUSED,
        campus_id=scan.campus_id,
        subject=scan.subject,
        scan_pk=scan.pk,
        message=(
            _("%(gate)s refused %(name)s: %(reason)s")
            % {"gate": scan.gate.name, "name": scan.display_name or _("unknown"), "reason": outcome.message}
        )[:300],
    )


def _two_gates_alert(scan: Scan) -> GateAlert:
    return GateAlert(
        kind=GateAlert.Kind.TWO_GATES,
        campus_id=scan.campus_id,
        subject=scan.subject,
        scan_pk=scan.pk,
        message=(
            _("%(name)s's pass was used at two gates within a minute (last at %(gate)s)")
            % {"name": scan.display_name or scan.subject, "gate": scan.gate.name}
        )[:300],
    )


def _track_leave(scan: Scan, leave_id: int | None) -> None:
    """A closed-management student's leave: out stamps left_at, back stamps returned_at."""
    if not leave_id:
        return
    field = "left_at" if scan.direction == Direction.OUT else "returned_at"
    qs = LeaveApplication.objects.filter(pk=leave_id, **{f"{field}__isnull": True})
    if field == "returned_at":
        qs = qs.filter(left_at__isnull=False)
    qs.update(**{field: scan.scanned_at})


def _after_scan(scan: Scan, outcome: Outcome, *, seen_elsewhere: bool) -> None:
    """What the verdict does not wait for, kept to cheap statements: the refusal alert,
    the "two gates" alert (known from the INSERT itself), and leave tracking."""
    if outcome.verify:
        return  # waits for the guard: the confirmation or refusal is its own scan
    if not outcome.allowed:
        first_use = None
        if outcome.reason == "replayed" and scan.nonce:
            first_use = Scan.objects.filter(used_nonce=scan.nonce).order_by().values_list("gate_id", "scanned_at").first()
        _refusal_alert(scan, outcome, first_use).save()
        return
    if seen_elsewhere:
        _two_gates_alert(scan).save()
    _track_leave(scan, outcome.leave_id)


def parse_scan_id(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def scan(
    *,
    text: str,
    gate: Place,
    direction: str,
    scan_id=None,
    at: datetime | None = None,
    device=None,
    guard=None,
    offline: bool = False,
    station_verdict: str = "",
) -> tuple[Scan, Outcome, bool]:
    """Evaluate and record one scan. A scan made offline is judged at the time it was made
    (never later than now)."""
    now = timezone.now()
    at = min(at or now, now)
    scan_id = parse_scan_id(scan_id) or uuid.uuid4()
    outcome = evaluate_input(text, gate=gate, direction=direction, at=at, attended=device is None)
    return record(
        outcome,
        scan_id=scan_id,
        gate=gate,
        direction=direction,
        at=at,
        device=device,
        guard=guard,
        offline=offline,
        station_verdict=station_verdict,
    )


def _announce_late(times) -> None:
    """Tell listeners (the dashboard's roll-ups) which earlier days got new scans."""
    today = timezone.localdate()
    days = {day for day in (timezone.localdate(at) for at in times) if day < today}
    if days:
        transaction.on_commit(lambda: past_days_stored.send(sender=Scan, days=days))
