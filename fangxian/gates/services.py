"""Writes for gate control: policies, leave, visits, vehicles, devices, revocations, and
the scan itself (evaluate, then record exactly once)."""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.params import id_param, parse_datetime_value
from fangxian.org.models import Place, Staff, Student

from . import leave_notices, reasons, signals, signing
from .cache import TTLCache
from .categories import categories_of, primary_category
from .models import (
    DIRECTIONS,
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
    campus_id_of,
    college_staff,
    current_leave,
    forget_policies,
    forget_revocations,
    home_campus_id,
    is_revoked,
    overdue_leaves,
    pass_campus_detail,
    policy_in_force,
    responsible_staff,
    split_subject,
)

log = logging.getLogger(__name__)

VISIT_EARLY = timedelta(minutes=30)  # a visitor may arrive this much before their time
TWO_GATES_WINDOW = timedelta(minutes=1)
MAX_SYNC_BATCH = 1000
SYNC_CLOCK_LEEWAY = timedelta(minutes=5)  # a queued scan may be dated this much ahead of the server
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
    leave_notices.leave_waiting(leave)
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
    leave_notices.leave_decided(leave)
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
    forget_devices()
    record_event(SecurityEvent.Kind.TOKEN_REVOKED, request=request, user=by, device=device.pk, gate=device.gate_id)
    return device


LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class DeviceAuthError(Exception):
    pass


DEVICE_CACHE_SECONDS = 5.0
_devices: TTLCache[Device] = TTLCache(DEVICE_CACHE_SECONDS)


def _load_device(key_hash: str) -> Device | None:
    # No .first(): it would add ORDER BY (a join to the gate's ordering) to a unique lookup.
    return next(iter(Device.objects.select_related("gate").filter(key_hash=key_hash).order_by()[:1]), None)


def forget_devices() -> None:
    _devices.forget_now_and_on_commit()


def device_authenticate(raw: str) -> Device:
    """The device behind a bearer token (with its gate). Devices are kept a few seconds
    per process: withdrawing a token takes effect at once in the process that withdrew it
    and within DEVICE_CACHE_SECONDS everywhere else."""
    if not raw.startswith(Device.PREFIX):
        raise DeviceAuthError(_("Unknown device token."))
    key_hash = hash_device_token(raw)
    device = _devices.get(key_hash, lambda: _load_device(key_hash))
    if device is None:
        raise DeviceAuthError(_("Unknown device token."))
    if device.withdrawn_at is not None:
        raise DeviceAuthError(_("This device's token has been withdrawn; ask the security office for a new one."))
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
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
    revocation = Revocation.objects.create(subject=subject, reason=reason.strip(), revoked_by=by)
    forget_revocations()
    return revocation


@transaction.atomic
def lift_revocation(*, subject: str) -> int:
    lifted = Revocation.objects.filter(subject=subject, lifted_at__isnull=True).update(lifted_at=timezone.now())
    forget_revocations()
    return lifted


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
    photo: bool = False  # the holder has a photo on file (read with the holder's row, no query)
    # A typed number the policy would let through: the guard must check the person in
    # person (name and photo) and confirm; never `allowed` by itself.
    verify: bool = False

    @property
    def verdict(self) -> str:
        if self.allowed:
            return Scan.Verdict.ALLOWED
        return Scan.Verdict.VERIFY if self.verify else Scan.Verdict.REFUSED

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
    outcome = replace(base, name=person.name, category=category or "", method=method, photo=bool(person.photo))
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
            back = _("back by %(time)s") % {"time": f"{timezone.localtime(leave.ends_at):%m-%d %H:%M}"}
            return replace(outcome, allowed=True, reason="ok_late" if late else "ok_leave", detail=back)
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
        return replace(outcome, allowed=False, reason="other_campus", detail=pass_campus_detail(visit.campus_id))
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


PEOPLE_QUERYSETS = {
    "S": lambda: Student.objects.all(),  # resolvers load related rows only if they need them
    "T": lambda: Staff.objects.select_related("unit"),
    "V": lambda: Visit.objects.select_related("host"),
}


_ROW_READERS: dict = {}


def _row_reader(model) -> tuple[str, list[str], list]:
    """SELECT of one row of `model` by primary key, the column names, and per column the
    backend's converters (dates on SQLite, for instance): built once per database vendor."""
    key = (connection.vendor, model)
    if key not in _ROW_READERS:
        qn = connection.ops.quote_name
        fields = model._meta.concrete_fields
        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = %s"  # noqa: S608  (identifiers only)
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((index, column, found))
        _ROW_READERS[key] = (sql, [f.attname for f in fields], converters)
    return _ROW_READERS[key]


def _student_by_pk(pk: int) -> Student | None:
    """One student by primary key: the commonest lookup of a scan, as a plain SELECT whose
    row becomes the model as the ORM would make it (compiling the query costs several times
    the query itself)."""
    sql, names, converters = _row_reader(Student)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, column, found in converters:
        for convert in found:
            row[index] = convert(row[index], column, connection)
    return Student.from_db(connection.alias, names, row)


def _person_for_subject(subject: str, people: dict | None = None):
    if people is not None and subject in people:
        return people[subject]
    kind, pk = split_subject(subject) or ("", 0)
    if kind not in PEOPLE_QUERYSETS:
        return None
    if kind == "S":
        return _student_by_pk(pk)
    return next(iter(PEOPLE_QUERYSETS[kind]().filter(pk=pk).order_by()[:1]), None)


def people_for_subjects(subjects) -> dict:
    """Holders by subject ("S12", "T7", "V3"), one query per kind (for a batch of scans)."""
    wanted: dict[str, list[int]] = {}
    for subject in subjects:
        kind, pk = split_subject(subject) or ("", 0)
        if kind in PEOPLE_QUERYSETS:
            wanted.setdefault(kind, []).append(pk)
    people: dict = {}
    for kind, pks in wanted.items():
        for person in PEOPLE_QUERYSETS[kind]().filter(pk__in=pks).order_by():
            people[f"{kind}{person.pk}"] = person
    return people


def evaluate_pass(token: str, *, campus_id: int, direction: str, at: datetime, people: dict | None = None) -> Outcome:
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
    if is_revoked(payload["s"], at):
        return replace(base, reason="revoked")
    if payload.get("c") not in (None, campus_id):
        return replace(base, reason="other_campus", detail=pass_campus_detail(payload["c"]))
    holder = _person_for_subject(payload["s"], people)
    if holder is None:
        return replace(base, reason="unknown")
    if isinstance(holder, Visit):
        return decide_visit(holder, campus_id=campus_id, direction=direction, at=at, base=base)
    return decide_person(holder, campus_id=campus_id, direction=direction, at=at, method=Scan.Method.PASS, base=base)


MANUAL_METHODS = (Scan.Method.NUMBER, Scan.Method.ID_NUMBER)


def to_verify(outcome: Outcome) -> Outcome:
    """A typed number proves nothing about who stands at the gate (numbers are printed on
    cards and lists, and guessable): what the policy would allow becomes "verify in
    person"; a refusal stays a refusal."""
    if outcome.allowed:
        return replace(outcome, allowed=False, verify=True, reason="verify", leave_id=None)
    return outcome


def evaluate_input(text: str, *, gate: Place, direction: str, at: datetime, people: dict | None = None, attended: bool = True) -> Outcome:
    """What the station read or the guard typed: a pass, a plate, an ID number, or a
    student or staff number. `people`: holders already loaded, by subject (a batch).
    `attended`: a guard is at the station. A typed number is at best "verify in person"
    there, and refused without being looked up at an unattended device (which has no
    one to look at the person, and would otherwise tell names for guessed numbers)."""
    text = (text or "").strip()
    campus_id = gate.parent_id or campus_id_of(gate)
    if direction not in DIRECTIONS:
        return _refuse("malformed")
    if text.startswith(signing.PREFIX):
        return evaluate_pass(text, campus_id=campus_id, direction=direction, at=at, people=people)
    if looks_like_plate(text):
        return decide_vehicle(normalize_plate(text), campus_id=campus_id, direction=direction, at=at)
    if not attended and (ID_NUMBER_RE.match(text) or NUMBER_RE.match(text)):
        method = Scan.Method.ID_NUMBER if ID_NUMBER_RE.match(text) else Scan.Method.NUMBER
        return _refuse("unattended", method=method)
    return to_verify(_evaluate_typed(text, gate=gate, campus_id=campus_id, direction=direction, at=at))


def _other_campus(person, campus_id: int) -> bool:
    home = home_campus_id(person)
    return home is not None and home != campus_id


def _evaluate_typed(text: str, *, gate: Place, campus_id: int, direction: str, at: datetime) -> Outcome:
    """A typed ID number or student/staff number, judged as the policy would judge its
    holder (to_verify then turns an allowance into "verify in person")."""
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
            if is_revoked(subject, at):
                return replace(base, subject=subject, name=person.name, reason="revoked")
            if _other_campus(person, campus_id):
                return replace(base, subject=subject, name=person.name, photo=bool(person.photo), reason="other_campus")
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
        if is_revoked(subject, at):
            return replace(base, subject=subject, name=person.name, reason="revoked")
        if _other_campus(person, campus_id):
            return replace(base, subject=subject, name=person.name, photo=bool(person.photo), reason="other_campus")
        return decide_person(
            person, campus_id=campus_id, direction=direction, at=at, method=Scan.Method.NUMBER, base=replace(base, subject=subject)
        )
    return _refuse("malformed")


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
    results: list[dict | None] = [None] * len(items)
    pending: list[tuple[int, uuid.UUID, Place, datetime, dict]] = []
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
    people = people_for_subjects(_pass_subjects(str(e[4].get("text", "")) for e in fresh))
    judged: list[tuple[int, Scan, Outcome]] = []
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
    # A pass nonce is good once: against what is stored, then in the batch's order.
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


def _announce_late(times) -> None:
    """Tell listeners (the dashboard's roll-ups) which earlier days got new scans."""
    today = timezone.localdate()
    days = {day for day in (timezone.localdate(at) for at in times) if day < today}
    if days:
        transaction.on_commit(lambda: signals.late_scans_stored.send(sender=Scan, days=days))


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
