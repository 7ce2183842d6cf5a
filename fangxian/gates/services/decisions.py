"""The pass decision: what a scanned pass, plate, ID number or typed number is, and whether
the campus policy lets its holder through (the Outcome). Nothing is stored here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.models import Place, Staff, Student

from .. import reasons, signing
from ..categories import categories_of, primary_category
from ..models import DIRECTIONS, Category, Decision, Direction, Scan, Vehicle, Visit
from ..plates import looks_like_plate, normalize_plate
from ..selectors import campus_id_of, current_leave, home_campus_id, is_revoked, pass_campus_detail, policy_in_force
from .holders import _person_for_subject
from .passes import subject_of

VISIT_EARLY = timedelta(minutes=30)  # a visitor may arrive this much before their time
ID_NUMBER_RE = re.compile(r"^\d{17}[\dXx]$")
NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")


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
