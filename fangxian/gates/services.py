"""Writes for gate control: policies, leave, visits, vehicles, devices, revocations, and
the scan itself (evaluate, then record exactly once)."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.org.models import Place, Staff, Student

from . import reasons, signing
from .categories import categories_of, primary_category
from .models import (
    Category,
    Decision,
    Device,
    Direction,
    GateAlert,
    LeaveApplication,
    PolicyRule,
    PolicyVersion,
    Revocation,
    Scan,
    Vehicle,
    Visit,
    hash_device_token,
)
from .plates import looks_like_plate, normalize_plate
from .selectors import (
    active_revocation,
    campus_id_of,
    college_staff,
    current_leave,
    forget_policies,
    home_campus_id,
    overdue_leaves,
    policy_in_force,
    responsible_staff,
)

log = logging.getLogger(__name__)

VISIT_EARLY = timedelta(minutes=30)  # a visitor may arrive this much before their time
TWO_GATES_WINDOW = timedelta(minutes=1)
MAX_SYNC_BATCH = 1000
ID_NUMBER_RE = re.compile(r"^\d{17}[\dXx]$")
NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")


# ---------------------------------------------------------------------------
# Policies


@transaction.atomic
def policy_publish(*, campus: Place, effective_at: datetime, rules: list[dict], note: str = "", by=None) -> PolicyVersion:
    """A new version of a campus policy. `rules`: dicts with category, direction,
    decision and optionally window_start/window_end. Earlier versions stay as they were."""
    number = (PolicyVersion.objects.filter(campus=campus).aggregate(m=Max("number"))["m"] or 0) + 1
    version = PolicyVersion(campus=campus, number=number, effective_at=effective_at, note=note, created_by=by)
    version.full_clean()
    version.save()
    seen = set()
    for index, data in enumerate(rules, start=1):
        rule = PolicyRule(version=version, **data)
        try:
            rule.full_clean(exclude=["version"])
        except ValidationError as exc:
            raise ValidationError(
                _("Rule %(row)s (%(category)s, %(direction)s): %(problem)s")
                % {
                    "row": index,
                    "category": Category(rule.category).label if rule.category in Category.values else rule.category,
                    "direction": Direction(rule.direction).label if rule.direction in Direction.values else rule.direction,
                    "problem": " ".join(exc.messages),
                }
            ) from exc
        key = (rule.category, rule.direction)
        if key in seen:
            raise ValidationError(_("Rule %(row)s repeats a category and direction.") % {"row": index})
        seen.add(key)
        rule.save()
    forget_policies()
    transaction.on_commit(forget_policies)
    return version


DEFAULT_RULES = [
    # category, in, out (decision, window)
    (Category.STUDENT, (Decision.ALLOW, None), (Decision.ALLOW, None)),
    (Category.STUDENT_CLOSED, (Decision.ALLOW, None), (Decision.PASS, None)),
    (Category.STAFF, (Decision.ALLOW, None), (Decision.ALLOW, None)),
    (Category.HOSPITAL_STAFF, (Decision.ALLOW, None), (Decision.ALLOW, None)),
    (Category.CONTRACTOR, (Decision.PASS, (time(7, 0), time(19, 0))), (Decision.ALLOW, None)),
    (Category.VISITOR, (Decision.PASS, (time(8, 0), time(18, 0))), (Decision.ALLOW, None)),
    (Category.VEHICLE, (Decision.PASS, None), (Decision.ALLOW, None)),
]


def default_rules() -> list[dict]:
    rules = []
    for category, *directions in DEFAULT_RULES:
        for direction, (decision, window) in zip((Direction.IN, Direction.OUT), directions, strict=True):
            rules.append(
                {
                    "category": category,
                    "direction": direction,
                    "decision": decision,
                    "window_start": window[0] if window else None,
                    "window_end": window[1] if window else None,
                }
            )
    return rules


# ---------------------------------------------------------------------------
# Leave applications


@transaction.atomic
def leave_apply(*, student: Student, purpose: str, destination: str, starts_at: datetime, ends_at: datetime) -> LeaveApplication:
    leave = LeaveApplication(student=student, purpose=purpose, destination=destination, starts_at=starts_at, ends_at=ends_at)
    leave.full_clean()
    if ends_at < timezone.now():
        raise ValidationError({"ends_at": _("The leave would already be over.")})
    if ends_at - starts_at > timedelta(days=14):
        raise ValidationError({"ends_at": _("A leave lasts at most 14 days.")})
    if not responsible_staff(student, timezone.localdate(starts_at)):
        raise ValidationError(_("No staff member is responsible for you yet; ask your college."))
    leave.save()
    return leave


def may_decide(leave: LeaveApplication, staff: Staff | None) -> bool:
    if staff is None:
        return False
    if leave.status == LeaveApplication.Status.PENDING:
        return staff in responsible_staff(leave.student)
    if leave.status == LeaveApplication.Status.COLLEGE:
        return staff in college_staff(leave.student)
    return False


@transaction.atomic
def leave_decide(*, leave: LeaveApplication, staff: Staff, approve: bool, reason: str = "") -> LeaveApplication:
    """The responsible staff member's decision, then the college's for an overnight leave."""
    leave = LeaveApplication.objects.select_for_update().get(pk=leave.pk)
    if not may_decide(leave, staff):
        raise ValidationError(_("This application is not waiting for your decision."))
    now = timezone.now()
    if not approve and not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the application is rejected.")})
    if leave.status == LeaveApplication.Status.PENDING:
        leave.staff_decided_by, leave.staff_decided_at = staff, now
        if approve:
            leave.status = LeaveApplication.Status.COLLEGE if leave.overnight else LeaveApplication.Status.APPROVED
    else:
        leave.college_decided_by, leave.college_decided_at = staff, now
        if approve:
            leave.status = LeaveApplication.Status.APPROVED
    if not approve:
        leave.status = LeaveApplication.Status.REJECTED
        leave.rejection_reason = reason.strip()
    leave.save()
    return leave


@transaction.atomic
def leave_cancel(*, leave: LeaveApplication, student: Student) -> LeaveApplication:
    if (
        leave.student_id != student.pk
        or leave.status in (LeaveApplication.Status.REJECTED, LeaveApplication.Status.CANCELLED)
        or leave.left_at
    ):
        raise ValidationError(_("This application can no longer be cancelled."))
    leave.status = LeaveApplication.Status.CANCELLED
    leave.save(update_fields=["status"])
    return leave


# ---------------------------------------------------------------------------
# Visits and vehicles


@transaction.atomic
def visit_create(
    *,
    host: Staff,
    campus: Place,
    kind: str,
    name: str,
    id_number: str,
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    phone: str = "",
    organisation: str = "",
    invited: bool,
    by=None,
) -> Visit:
    """A host's invitation (approved at once) or a visitor's request (waits for the host)."""
    visit = Visit(
        host=host,
        campus=campus,
        kind=kind,
        name=name,
        id_number=id_number,
        phone=phone,
        organisation=organisation,
        purpose=purpose,
        starts_at=starts_at,
        ends_at=ends_at,
        status=Visit.Status.APPROVED if invited else Visit.Status.REQUESTED,
        created_by=by,
        decided_at=timezone.now() if invited else None,
    )
    visit.full_clean(exclude=["token"])
    if ends_at - starts_at > timedelta(days=31):
        raise ValidationError({"ends_at": _("A visit lasts at most 31 days.")})
    if host.institution_id != campus.institution_id:
        raise ValidationError({"host": _("The host belongs to another institution.")})
    visit.save()
    return visit


@transaction.atomic
def visit_decide(*, visit: Visit, host: Staff | None, approve: bool) -> Visit:
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if host is None or visit.host_id != host.pk or visit.status != Visit.Status.REQUESTED:
        raise ValidationError(_("This visit is not waiting for your decision."))
    visit.status = Visit.Status.APPROVED if approve else Visit.Status.REJECTED
    visit.decided_at = timezone.now()
    visit.save(update_fields=["status", "decided_at"])
    return visit


@transaction.atomic
def vehicle_register(
    *, plate: str, owner: str, starts_at: datetime, ends_at: datetime, campus: Place | None = None, note: str = "", by=None
) -> Vehicle:
    vehicle = Vehicle(plate=plate, owner=owner, campus=campus, starts_at=starts_at, ends_at=ends_at, note=note, registered_by=by)
    vehicle.full_clean()
    vehicle.save()
    return vehicle


@transaction.atomic
def vehicle_withdraw(*, vehicle: Vehicle) -> Vehicle:
    vehicle.withdrawn_at = timezone.now()
    vehicle.save(update_fields=["withdrawn_at"])
    return vehicle


# ---------------------------------------------------------------------------
# Devices and revocations


@transaction.atomic
def device_issue(*, gate: Place, name: str, by=None, request=None) -> tuple[Device, str]:
    """A device for a gate and its token, shown once."""
    if gate.kind != Place.Kind.GATE:
        raise ValidationError({"gate": _("Choose a gate.")})
    if not name.strip():
        raise ValidationError({"name": _("Give the device a name.")})
    raw = Device.PREFIX + secrets.token_urlsafe(32)
    device = Device.objects.create(gate=gate, name=name.strip(), key_hash=hash_device_token(raw), hint=raw[:8], created_by=by)
    record_event(SecurityEvent.Kind.TOKEN_CREATED, request=request, user=by, device=device.pk, gate=gate.pk)
    return device, raw


@transaction.atomic
def device_withdraw(*, device: Device, by=None, request=None) -> Device:
    device.withdrawn_at = timezone.now()
    device.save(update_fields=["withdrawn_at"])
    record_event(SecurityEvent.Kind.TOKEN_REVOKED, request=request, user=by, device=device.pk, gate=device.gate_id)
    return device


LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class DeviceAuthError(Exception):
    pass


def device_authenticate(raw: str) -> Device:
    if not raw.startswith(Device.PREFIX):
        raise DeviceAuthError(_("Unknown device token."))
    # No .first(): it would add ORDER BY (a join to the gate's ordering) to a unique lookup.
    device = next(iter(Device.objects.select_related("gate").filter(key_hash=hash_device_token(raw)).order_by()[:1]), None)
    if device is None:
        raise DeviceAuthError(_("Unknown device token."))
    if device.withdrawn_at is not None:
        raise DeviceAuthError(_("This device's token has been withdrawn; ask the security office for a new one."))
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


@transaction.atomic
def revoke_passes(*, subject: str, reason: str, by=None) -> Revocation:
    if not re.match(r"^[STV]\d+$", subject):
        raise ValidationError({"subject": _("Unknown pass holder.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the passes are revoked.")})
    existing = Revocation.objects.filter(subject=subject, lifted_at__isnull=True).first()
    if existing:
        return existing
    return Revocation.objects.create(subject=subject, reason=reason.strip(), revoked_by=by)


@transaction.atomic
def lift_revocation(*, subject: str) -> int:
    return Revocation.objects.filter(subject=subject, lifted_at__isnull=True).update(lifted_at=timezone.now())


# ---------------------------------------------------------------------------
# Passes


def subject_of(person) -> str:
    if isinstance(person, Student):
        return f"S{person.pk}"
    if isinstance(person, Staff):
        return f"T{person.pk}"
    return person.subject


def issue_personal_pass(person, now: datetime | None = None) -> tuple[str, dict]:
    """A fresh pass for a student or member of staff."""
    now = now or timezone.now()
    categories = sorted(categories_of(person, timezone.localdate(now)))
    window = None
    if isinstance(person, Student):
        leave = current_leave(person, now)
        if leave is not None:
            window = (int(leave.starts_at.timestamp()), int(leave.ends_at.timestamp()))
    return signing.issue(
        subject=subject_of(person), name=person.name, categories=categories, campus_id=home_campus_id(person), window=window, now=now
    )


def issue_visit_pass(visit: Visit, now: datetime | None = None) -> tuple[str, dict]:
    window = (int(visit.starts_at.timestamp()), int(visit.ends_at.timestamp()))
    return signing.issue(subject=visit.subject, name=visit.name, categories=[visit.kind], campus_id=visit.campus_id, window=window, now=now)


# ---------------------------------------------------------------------------
# The scan


@dataclass
class Outcome:
    allowed: bool
    reason: str
    method: str = Scan.Method.PASS
    subject: str = ""
    category: str = ""
    name: str = ""
    detail: str = ""
    nonce: str = ""
    plate: str = ""
    leave_id: int | None = None

    @property
    def message(self) -> str:
        return reasons.message(self.reason)


def _refuse(reason: str, **fields) -> Outcome:
    return Outcome(False, reason, **fields)


def _check_rule(policy, category: str, direction: str, at: datetime):
    """(rule, refusal reason or None)."""
    if policy.version is None:
        return None, "no_policy"
    rule = policy.rule(category, direction)
    if rule is None:
        return None, "no_rule"
    if rule.decision == Decision.REFUSE:
        return rule, "policy"
    if not rule.in_window(timezone.localtime(at).time()):
        return rule, "hours"
    return rule, None


def decide_person(person, *, campus_id: int, direction: str, at: datetime, method: str, base: Outcome) -> Outcome:
    """Students and staff: the category's rule, and for "with a pass" an approved leave
    (students under closed management) or a signed pass (everyone else)."""
    categories = categories_of(person, timezone.localdate(at))
    category = primary_category(categories)
    outcome = replace(base, name=person.name, category=category or "", method=method)
    if category is None:
        return replace(outcome, allowed=False, reason="not_enrolled")
    leave = None
    if category == Category.STUDENT_CLOSED:
        leave = current_leave(person, at)
        outcome = replace(outcome, leave_id=leave.pk if leave else None)
    rule, refusal = _check_rule(policy_in_force(campus_id, at), category, direction, at)
    if refusal:
        return replace(outcome, allowed=False, reason=refusal)
    if rule.decision == Decision.PASS:
        if category == Category.STUDENT_CLOSED:
            if leave is None or (direction == Direction.OUT and not (leave.starts_at - timedelta(minutes=30) <= at <= leave.ends_at)):
                return replace(outcome, allowed=False, reason="no_leave")
            late = direction == Direction.IN and at > leave.ends_at
            window = f"{timezone.localtime(leave.starts_at):%m-%d %H:%M}–{timezone.localtime(leave.ends_at):%m-%d %H:%M}"
            return replace(outcome, allowed=True, reason="ok_late" if late else "ok_leave", detail=window)
        if method != Scan.Method.PASS:
            return replace(outcome, allowed=False, reason="need_pass")
    return replace(outcome, allowed=True, reason="ok")


def decide_visit(visit: Visit, *, campus_id: int, direction: str, at: datetime, base: Outcome) -> Outcome:
    outcome = replace(
        base,
        subject=visit.subject,
        name=visit.name,
        category=visit.kind,
        detail=_("ID %(id)s · host %(host)s") % {"id": visit.id_number_masked, "host": visit.host.name},
    )
    if visit.campus_id != campus_id:
        return replace(outcome, allowed=False, reason="other_campus")
    if visit.status != Visit.Status.APPROVED:
        return replace(outcome, allowed=False, reason="visit_pending")
    if direction == Direction.IN and not (visit.starts_at - VISIT_EARLY <= at <= visit.ends_at):
        return replace(outcome, allowed=False, reason="visit_window")
    _rule, refusal = _check_rule(policy_in_force(campus_id, at), visit.kind, direction, at)
    if refusal:
        return replace(outcome, allowed=False, reason=refusal)
    return replace(outcome, allowed=True, reason="ok_visit" if direction == Direction.IN else "ok")


def decide_vehicle(plate: str, *, campus_id: int, direction: str, at: datetime) -> Outcome:
    outcome = Outcome(False, "vehicle", method=Scan.Method.PLATE, plate=plate, category=Category.VEHICLE, name=plate)
    registration = (
        Vehicle.objects.filter(plate=plate, withdrawn_at__isnull=True, starts_at__lte=at, ends_at__gte=at)
        .filter(models_q_campus(campus_id))
        .first()
    )
    if registration:
        outcome = replace(outcome, name=f"{plate} · {registration.owner}", subject=f"P{registration.pk}")
    rule, refusal = _check_rule(policy_in_force(campus_id, at), Category.VEHICLE, direction, at)
    if refusal:
        return replace(outcome, reason=refusal)
    if rule.decision == Decision.PASS and registration is None:
        return replace(outcome, reason="vehicle")
    return replace(outcome, allowed=True, reason="ok_vehicle" if registration else "ok")


def models_q_campus(campus_id: int):
    from django.db.models import Q

    return Q(campus__isnull=True) | Q(campus_id=campus_id)


def _person_for_subject(subject: str):
    kind, rest = subject[:1], subject[1:]
    if not rest.isdigit():
        return None
    querysets = {
        "S": Student.objects.all(),  # resolvers load related rows only if they need them
        "T": Staff.objects.select_related("unit"),
        "V": Visit.objects.select_related("host"),
    }
    if kind not in querysets:
        return None
    return next(iter(querysets[kind].filter(pk=int(rest)).order_by()[:1]), None)


def evaluate_pass(token: str, *, campus_id: int, direction: str, at: datetime) -> Outcome:
    try:
        payload = signing.verify(token)
    except signing.PassError as exc:
        return _refuse(exc.reason)
    base = Outcome(False, "", subject=payload["s"], name=str(payload.get("nm", ""))[:60], nonce=payload["n"][:24])
    now_ts = at.timestamp()
    if payload["e"] < now_ts:
        return replace(base, reason="expired")
    if payload["i"] > now_ts + signing.CLOCK_LEEWAY:
        return replace(base, reason="future")
    if active_revocation(payload["s"], at) is not None:
        return replace(base, reason="revoked")
    if payload.get("c") not in (None, campus_id):
        return replace(base, reason="other_campus")
    holder = _person_for_subject(payload["s"])
    if holder is None:
        return replace(base, reason="unknown")
    if isinstance(holder, Visit):
        return decide_visit(holder, campus_id=campus_id, direction=direction, at=at, base=base)
    return decide_person(holder, campus_id=campus_id, direction=direction, at=at, method=Scan.Method.PASS, base=base)


def evaluate_input(text: str, *, gate: Place, direction: str, at: datetime) -> Outcome:
    """What the station read or the guard typed: a pass, a plate, an ID number, or a
    student or staff number."""
    text = (text or "").strip()
    campus_id = gate.parent_id or campus_id_of(gate)
    if direction not in Direction.values:
        return _refuse("malformed")
    if text.startswith(signing.PREFIX):
        return evaluate_pass(text, campus_id=campus_id, direction=direction, at=at)
    if looks_like_plate(text):
        return decide_vehicle(normalize_plate(text), campus_id=campus_id, direction=direction, at=at)
    if ID_NUMBER_RE.match(text):
        id_number = text.upper()
        base = Outcome(False, "", method=Scan.Method.ID_NUMBER)
        visit = (
            Visit.objects.select_related("host")
            .filter(id_number=id_number, campus_id=campus_id, starts_at__lte=at + VISIT_EARLY, ends_at__gte=at - timedelta(hours=12))
            .order_by("-status", "-starts_at")
            .first()
        )
        person = (
            Student.objects.select_related("klass", "bed").filter(institution_id=gate.institution_id, id_number=id_number).first()
            or Staff.objects.select_related("unit").filter(institution_id=gate.institution_id, id_number=id_number).first()
        )
        if person is not None:
            subject = subject_of(person)
            if active_revocation(subject, at):
                return replace(base, subject=subject, name=person.name, reason="revoked")
            return decide_person(
                person, campus_id=campus_id, direction=direction, at=at, method=Scan.Method.ID_NUMBER, base=replace(base, subject=subject)
            )
        if visit is not None:
            return decide_visit(visit, campus_id=campus_id, direction=direction, at=at, base=base)
        return replace(base, reason="unknown")
    if NUMBER_RE.match(text):
        base = Outcome(False, "", method=Scan.Method.NUMBER)
        person = (
            Student.objects.select_related("klass", "bed").filter(institution_id=gate.institution_id, student_number=text).first()
            or Staff.objects.select_related("unit").filter(institution_id=gate.institution_id, staff_number=text).first()
        )
        if person is None:
            return replace(base, reason="unknown")
        subject = subject_of(person)
        if active_revocation(subject, at):
            return replace(base, subject=subject, name=person.name, reason="revoked")
        return decide_person(
            person, campus_id=campus_id, direction=direction, at=at, method=Scan.Method.NUMBER, base=replace(base, subject=subject)
        )
    return _refuse("malformed")


def _store(
    outcome: Outcome, *, scan_id, gate: Place, direction: str, at: datetime, device, guard, offline: bool, station_verdict: str
) -> Scan:
    return Scan.objects.create(
        scan_id=scan_id,
        campus_id=gate.parent_id or campus_id_of(gate),
        gate=gate,
        direction=direction if direction in Direction.values else Direction.IN,
        method=outcome.method,
        subject=outcome.subject,
        category=outcome.category,
        display_name=outcome.name[:60],
        plate=outcome.plate,
        verdict=Scan.Verdict.ALLOWED if outcome.allowed else Scan.Verdict.REFUSED,
        reason=outcome.reason,
        nonce=outcome.nonce,
        used_nonce=outcome.nonce if (outcome.allowed and outcome.nonce) else None,
        device=device,
        guard=guard,
        offline=offline,
        station_verdict=station_verdict,
        scanned_at=at,
    )


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
    try:
        with transaction.atomic():
            scan = _store(
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
    except IntegrityError:
        existing = Scan.objects.filter(scan_id=scan_id).first()
        if existing is not None:
            return existing, outcome_of(existing), False
        outcome = replace(outcome, allowed=False, reason="replayed")
        with transaction.atomic():
            scan = _store(
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
    _after_scan(scan, outcome)
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
    )


def _after_scan(scan: Scan, outcome: Outcome) -> None:
    """Leave tracking and alerts."""
    gate_name = scan.gate.name
    if not outcome.allowed:
        first_use = (
            Scan.objects.filter(used_nonce=scan.nonce).only("gate_id", "scanned_at").first()
            if (outcome.reason == "replayed" and scan.nonce)
            else None
        )
        if first_use and first_use.gate_id != scan.gate_id and abs(first_use.scanned_at - scan.scanned_at) <= TWO_GATES_WINDOW:
            _two_gates_alert(scan, gate_name)
        else:
            raise_alert(
                kind=GateAlert.Kind.REFUSED,
                campus_id=scan.campus_id,
                subject=scan.subject,
                scan_pk=scan.pk,
                message=_("%(gate)s refused %(name)s: %(reason)s")
                % {"gate": gate_name, "name": scan.display_name or _("unknown"), "reason": outcome.message},
            )
        return
    if scan.subject and scan.subject[0] in "STV":
        others = (
            Scan.objects.filter(
                subject=scan.subject,
                verdict=Scan.Verdict.ALLOWED,
                scanned_at__gte=scan.scanned_at - TWO_GATES_WINDOW,
                scanned_at__lte=scan.scanned_at + TWO_GATES_WINDOW,
            )
            .exclude(gate_id=scan.gate_id)
            .exists()
        )
        if others:
            _two_gates_alert(scan, gate_name)
    if outcome.leave_id:
        field = "left_at" if scan.direction == Direction.OUT else "returned_at"
        updates = {field: scan.scanned_at}
        qs = LeaveApplication.objects.filter(pk=outcome.leave_id, **{f"{field}__isnull": True})
        if field == "returned_at":
            qs = qs.filter(left_at__isnull=False)
        qs.update(**updates)


def _two_gates_alert(scan: Scan, gate_name: str) -> None:
    raise_alert(
        kind=GateAlert.Kind.TWO_GATES,
        campus_id=scan.campus_id,
        subject=scan.subject,
        scan_pk=scan.pk,
        message=_("%(name)s's pass was used at two gates within a minute (last at %(gate)s)")
        % {"name": scan.display_name or scan.subject, "gate": gate_name},
    )


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
    outcome = evaluate_input(text, gate=gate, direction=direction, at=at)
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


def sync(*, items: list[dict], gates: dict[int, Place] | None = None, device=None, guard=None) -> list[dict]:
    """Store a batch of scans queued offline. Every item comes back with its status:
    stored, duplicate (already here, or twice in the batch) or invalid (with the reason).
    `gates`: the gates the sender may record at (a device: its own gate)."""
    if len(items) > MAX_SYNC_BATCH:
        raise ValidationError(_("At most %(n)s scans per batch.") % {"n": MAX_SYNC_BATCH})
    results: list[dict] = []
    seen: set[uuid.UUID] = set()
    with transaction.atomic():
        for index, item in enumerate(items, start=1):
            scan_id = parse_scan_id(item.get("scan_id"))
            if scan_id is None:
                results.append(
                    {
                        "scan_id": str(item.get("scan_id", "")),
                        "status": "invalid",
                        "message": _("Item %(n)s: the scan id is not a UUID.") % {"n": index},
                    }
                )
                continue
            if scan_id in seen:
                results.append({"scan_id": str(scan_id), "status": "duplicate", "message": _("Sent twice in this batch.")})
                continue
            seen.add(scan_id)
            gate = device.gate if device is not None else (gates or {}).get(_int(item.get("gate")))
            if gate is None:
                results.append(
                    {"scan_id": str(scan_id), "status": "invalid", "message": _("Item %(n)s: not a gate you may record at.") % {"n": index}}
                )
                continue
            at = _parse_time(item.get("scanned_at"))
            if at is None:
                results.append(
                    {
                        "scan_id": str(scan_id),
                        "status": "invalid",
                        "message": _("Item %(n)s: the scan time is missing or unreadable.") % {"n": index},
                    }
                )
                continue
            record_, outcome, created = scan(
                text=str(item.get("text", ""))[:2000],
                gate=gate,
                direction=str(item.get("direction", "")),
                scan_id=scan_id,
                at=at,
                device=device,
                guard=guard,
                offline=True,
                station_verdict=str(item.get("station_verdict", ""))[:8],
            )
            results.append(
                {
                    "scan_id": str(scan_id),
                    "status": "stored" if created else "duplicate",
                    "allowed": outcome.allowed,
                    "reason": outcome.reason,
                    "message": outcome.message,
                    "name": outcome.name,
                }
            )
    return results


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse_time(value) -> datetime | None:
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    from django.utils.dateparse import parse_datetime

    parsed = parse_datetime(value)
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


# ---------------------------------------------------------------------------
# Alerts


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
    """Deliver an alert to its recipient. The one place to point at the notify app when it
    lands; until then the alert is kept in GateAlert (shown on the alerts page) and logged."""
    log.info("gate alert %s to staff %s: %s", alert.kind, alert.recipient_id, alert.message)
    GateAlert.objects.filter(pk=alert.pk, sent_at__isnull=True).update(sent_at=timezone.now())


def alert_overdue_leaves(now: datetime | None = None) -> int:
    """Alert the responsible staff of every student not back by the end of their leave
    (once per leave). Run every few minutes by huey."""
    now = now or timezone.now()
    count = 0
    for leave in overdue_leaves(now).filter(overdue_alerted_at__isnull=True).select_related("student", "student__klass"):
        with transaction.atomic():
            claimed = LeaveApplication.objects.filter(pk=leave.pk, overdue_alerted_at__isnull=True).update(overdue_alerted_at=now)
            if not claimed:
                continue
            message = _("%(name)s is not back from leave (due %(due)s, destination %(where)s)") % {
                "name": leave.student.name,
                "due": f"{timezone.localtime(leave.ends_at):%m-%d %H:%M}",
                "where": leave.destination,
            }
            campus_id = home_campus_id(leave.student)
            for staff in responsible_staff(leave.student, timezone.localdate(now)) or [None]:
                raise_alert(
                    kind=GateAlert.Kind.OVERDUE,
                    message=message,
                    campus_id=campus_id,
                    subject=f"S{leave.student_id}",
                    leave=leave,
                    recipient=staff,
                )
            count += 1
    return count
