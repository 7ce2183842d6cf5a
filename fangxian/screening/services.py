"""Writes of the screening app: rounds (with their population and slots), the next round
of a repeating schedule, samplings at the site, and what follows an abnormal tube."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.incidents import IncidentRequest, open_incident
from fangxian.deadlines.services import close as close_deadline
from fangxian.gates import signing
from fangxian.gates.selectors import is_revoked, split_subject
from fangxian.ledger import selectors as ledger
from fangxian.notify.services import notify_users
from fangxian.org.chain import holders_above, users_of
from fangxian.org.models import Assignment, Place, Staff, Unit

from .models import FLAGGED, SAMPLER, Member, Result, Round, Sample, Slot, Tube

MISSING_KIND = "screening.missing"


@dataclass(frozen=True)
class SlotSpec:
    place: Place
    starts_at: datetime
    ends_at: datetime


def _check_round(
    *, institution: Unit, day, starts_at, ends_at, slots, repeat_days, repeat_until, category_code, include_students, staff_units
):
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("The sampling must end after it starts."))
    if timezone.localdate(starts_at) != day:
        errors.setdefault("starts_at", []).append(_("The sampling starts on the round's date."))
    if not slots:
        errors.setdefault("slots", []).append(_("Add at least one sampling site with its time slot."))
    for slot in slots:
        if slot.place.institution_id != institution.pk:
            errors.setdefault("slots", []).append(_("%(place)s belongs to another institution.") % {"place": slot.place.name})
        if slot.ends_at <= slot.starts_at or slot.starts_at < starts_at or slot.ends_at > ends_at:
            errors.setdefault("slots", []).append(
                _("The slot at %(place)s (%(start)s–%(end)s) is not within the round's sampling time.")
                % {
                    "place": slot.place.name,
                    "start": timezone.localtime(slot.starts_at).strftime("%H:%M"),
                    "end": timezone.localtime(slot.ends_at).strftime("%H:%M"),
                }
            )
    if repeat_days and (repeat_until is None or repeat_until <= day):
        errors.setdefault("repeat_until", []).append(_("A repeating round needs a last date after its first."))
    if category_code and category_code not in ledger.categories_by_code():
        errors.setdefault("category_code", []).append(_("Unknown student category."))
    if not include_students and not staff_units:
        errors.setdefault("include_students", []).append(_("Choose students, staff of units, or both."))
    if errors:
        raise ValidationError(errors)


def _population(round: Round, staff_unit_list: list[Unit]) -> list[Member]:
    members: list[Member] = []
    if round.include_students:
        rows = ledger.population_rows(round.day, campus_id=round.campus_id, category_code=round.category_code)
        members += [
            Member(round=round, student_id=sid, unit_id=college, klass_id=klass, building_id=building)
            for sid, college, klass, _campus, building in rows
        ]
    if staff_unit_list:
        staff = Staff.objects.filter(is_active=True, unit__in=Unit.objects.under_any([u.path for u in staff_unit_list]))
        members += [Member(round=round, staff_id=pk, unit_id=unit) for pk, unit in staff.order_by().values_list("pk", "unit_id")]
    # Neighbours go to the same slot: ordered by unit, dorm and class, cut into one block per slot.
    members.sort(key=lambda m: (m.unit_id, m.building_id or 0, m.klass_id or 0, m.student_id or 0, m.staff_id or 0))
    return members


def _assign_slots(members: list[Member], slots: list[Slot]) -> None:
    if not slots:
        return
    block = -(-len(members) // len(slots)) or 1
    for index, member in enumerate(members):
        member.slot = slots[min(index // block, len(slots) - 1)]


@transaction.atomic
def round_create(
    *,
    institution: Unit,
    name: str,
    kind: str,
    day,
    starts_at: datetime,
    ends_at: datetime,
    slots: list[SlotSpec],
    by,
    kind_note: str = "",
    include_students: bool = True,
    campus: Place | None = None,
    category_code: str = "",
    staff_units=(),
    pool_size: int = 10,
    repeat_days: int = 0,
    repeat_until=None,
    previous: Round | None = None,
) -> Round:
    """A round with its population from the ledger on `day` (students on campus, on one
    campus, of one category) plus the staff of `staff_units`, spread over the slots."""
    staff_units = list(staff_units)
    _check_round(
        institution=institution,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        repeat_days=repeat_days,
        repeat_until=repeat_until,
        category_code=category_code,
        include_students=include_students,
        staff_units=staff_units,
    )
    round = Round(
        institution=institution,
        name=name,
        kind=kind,
        kind_note=kind_note,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        include_students=include_students,
        campus=campus,
        category_code=category_code,
        category_name=ledger.categories_by_code().get(category_code, "") if category_code else "",
        pool_size=pool_size,
        repeat_days=repeat_days,
        repeat_until=repeat_until if repeat_days else None,
        previous=previous,
        created_by=by,
    )
    round.full_clean(validate_unique=False)
    if Round.objects.filter(institution=institution, name=name).exists():
        raise ValidationError({"name": _("A round with this name exists already.")})
    round.save()
    round.staff_units.set(staff_units)
    slot_rows = Slot.objects.bulk_create([Slot(round=round, place=s.place, starts_at=s.starts_at, ends_at=s.ends_at) for s in slots])
    members = _population(round, staff_units)
    if not members:
        raise ValidationError({"category_code": _("Nobody is in this population on %(day)s.") % {"day": day.isoformat()}})
    _assign_slots(members, slot_rows)
    Member.objects.bulk_create(members, batch_size=2000)
    round.expected = len(members)
    round.save(update_fields=["expected"])
    return round


def _series_name(name: str) -> str:
    return name.split("（")[0].strip()


def round_next(*, round: Round, by=None) -> Round | None:
    """The next round of a repeating schedule (same sites, slots and population rule,
    `repeat_days` later, population read again from the ledger on its day), made once:
    two consumers asking at the same time make one (the link to the previous is unique)."""
    if not round.repeat_days or round.repeat_until is None:
        return None
    existing = Round.objects.filter(previous=round).first()
    if existing is not None:
        return existing
    shift = timedelta(days=round.repeat_days)
    day = round.day + shift
    if day > round.repeat_until:
        return None
    slots = [
        SlotSpec(s.place, s.starts_at + shift, s.ends_at + shift) for s in round.slots.select_related("place").order_by("starts_at", "id")
    ]
    try:
        with transaction.atomic():
            return round_create(
                institution=round.institution,
                name=f"{_series_name(round.name)}（{day:%m-%d}）",
                kind=round.kind,
                kind_note=round.kind_note,
                day=day,
                starts_at=round.starts_at + shift,
                ends_at=round.ends_at + shift,
                slots=slots,
                by=by or round.created_by,
                include_students=round.include_students,
                campus=round.campus,
                category_code=round.category_code,
                staff_units=list(round.staff_units.all()),
                pool_size=round.pool_size,
                repeat_days=round.repeat_days,
                repeat_until=round.repeat_until,
                previous=round,
            )
    except IntegrityError:
        return Round.objects.filter(previous=round).first()


def spawn_due_rounds(now: datetime | None = None) -> int:
    """Make the next round of every repeating schedule whose next day is tomorrow or
    earlier (the periodic job; idempotent)."""
    now = now or timezone.now()
    horizon = timezone.localdate(now) + timedelta(days=1)
    made = 0
    for round in Round.objects.filter(repeat_days__gt=0, next_round__isnull=True).order_by("day", "id"):
        if round.day + timedelta(days=round.repeat_days) <= min(horizon, round.repeat_until or horizon):
            try:
                if round_next(round=round) is not None:
                    made += 1
            except ValidationError:
                continue  # nobody in the population that day: nothing to make
    return made


# -- sampling at the site ---------------------------------------------------------------------


@dataclass
class Sampled:
    sample: Sample
    created: bool


def sampler_places(user, at: datetime | None = None) -> list[Place]:
    """The places where this user is posted as a sampler now (sites or whole campuses)."""
    at = at or timezone.now()
    ids = Assignment.objects.active_at(at).filter(role=SAMPLER, staff__user=user, staff__is_active=True, place__isnull=False)
    return list(Place.objects.filter(pk__in=ids.values("place_id")).order_by("path"))


def may_sample_at(user, place: Place, at: datetime | None = None) -> bool:
    return any(place.path.startswith(held.path) for held in sampler_places(user, at))


def _find_member(round: Round, text: str, now: datetime) -> tuple[Member, str]:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Scan a pass or type a student number, staff number or ID number."))
    members = Member.objects.filter(round=round).select_related("student", "staff")
    if text.startswith(signing.PREFIX):
        try:
            payload = signing.verify(text)
        except signing.PassError as exc:
            raise ValidationError(_("This pass is not valid (not issued by this platform).")) from exc
        if payload["e"] + signing.CLOCK_LEEWAY < now.timestamp():
            raise ValidationError(_("This pass has expired: ask the person to refresh it on their phone."))
        subject = payload["s"]
        if is_revoked(subject, now):
            raise ValidationError(_("This pass has been revoked."))
        split = split_subject(subject)
        kind, pk = split if split else ("", 0)
        member = members.filter(**({"student_id": pk} if kind == "S" else {"staff_id": pk})).first() if kind in ("S", "T") else None
        if member is None:
            raise ValidationError(_("%(name)s is not among the people of this round.") % {"name": payload.get("nm", "?")})
        return member, Sample.How.PASS
    upper = text.upper()
    member = (
        members.filter(student__student_number=text).first()
        or members.filter(staff__staff_number=text).first()
        or members.filter(student__id_number=upper).first()
        or members.filter(staff__id_number=upper).first()
    )
    if member is None:
        raise ValidationError(_("Nobody with the number %(number)s is among the people of this round.") % {"number": text[:40]})
    return member, Sample.How.TYPED


@transaction.atomic
def sample_record(*, round: Round, place: Place, tube_number: str, capacity: int, text: str, by, now: datetime | None = None) -> Sampled:
    """Record one person's sampling into a tube (made on its first sample). Refused outside
    the round's sampling time, at a place that is not one of its sites or not the sampler's
    post, for someone not in the round, or into a full tube or one with a result. Scanning
    someone already sampled answers with their sampling (idempotent)."""
    now = now or timezone.now()
    if not (round.starts_at <= now <= round.ends_at):
        raise ValidationError(
            _("Outside the round's sampling time (%(start)s–%(end)s).")
            % {
                "start": timezone.localtime(round.starts_at).strftime("%m-%d %H:%M"),
                "end": timezone.localtime(round.ends_at).strftime("%m-%d %H:%M"),
            }
        )
    if not round.slots.filter(place=place).exists():
        raise ValidationError(_("%(place)s is not a sampling site of this round.") % {"place": place.name})
    if not may_sample_at(by, place, now):
        raise ValidationError(_("You are not posted as a sampler at %(place)s.") % {"place": place.name})
    tube_number = (tube_number or "").strip().upper()
    if not tube_number or len(tube_number) > 40:
        raise ValidationError(_("Scan or type the tube number first."))
    if capacity not in (1, 10, 20):
        raise ValidationError(_("Choose a single tube or a pooled tube of 10 or 20."))
    member, how = _find_member(round, text, now)
    existing = Sample.objects.filter(member=member).select_related("tube").first()
    if existing is not None:
        return Sampled(existing, False)
    tube = Tube.objects.select_for_update().filter(number=tube_number).first()
    if tube is None:
        try:
            with transaction.atomic():
                tube = Tube.objects.create(round=round, number=tube_number, capacity=capacity, place=place, sampler=by, opened_at=now)
        except IntegrityError:
            tube = Tube.objects.select_for_update().get(number=tube_number)
    if tube.round_id != round.pk:
        raise ValidationError(
            _("The tube %(number)s was used in another round (%(round)s).") % {"number": tube.number, "round": tube.round.name}
        )
    if tube.result != Result.PENDING:
        raise ValidationError(_("The tube %(number)s has a result already: use a new tube.") % {"number": tube.number})
    if tube.size >= tube.capacity:
        raise ValidationError(
            _("The tube %(number)s is full (%(size)s of %(capacity)s): use a new tube.")
            % {"number": tube.number, "size": tube.size, "capacity": tube.capacity}
        )
    try:
        with transaction.atomic():
            sample = Sample.objects.create(round=round, member=member, tube=tube, place=place, sampled_at=now, sampled_by=by, how=how)
    except IntegrityError:
        # Scanned twice at once on two phones: the first sampling stands.
        return Sampled(Sample.objects.select_related("tube").get(member=member), False)
    Tube.objects.filter(pk=tube.pk).update(size=F("size") + 1)
    Member.objects.filter(pk=member.pk).update(sampled_at=now)
    close_deadline(member, MISSING_KIND, at=now)
    sample.tube.size = tube.size + 1
    return Sampled(sample, True)


# -- abnormal tubes ---------------------------------------------------------------------------


def _people_staff(members: list[Member]) -> list:
    """The one-to-one staff (else the counselor) of the students among `members`."""
    users: dict[int, object] = {}
    for member in members:
        if member.student_id:
            for user in users_of(holders_above(member.student, ["one_to_one", "counselor"])):
                users.setdefault(user.pk, user)
    return list(users.values())


def office_users():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, role_grants__role=Role.PREVENTION_OFFICE).distinct().order_by("pk")


def _alert(*, members: list[Member], tube: Tube, result: str, what: str, source: str, url: str, by=None) -> str:
    names = "、".join(f"{m.person.name}（{m.number}）" for m in members)
    title = _("Urgent: %(what)s %(result)s, %(count)s people") % {"what": what, "result": Result(result).label, "count": len(members)}
    body = _("%(round)s · %(place)s: %(names)s. Find these people at once and follow the office's instructions.") % {
        "round": tube.round.name,
        "place": tube.place.name,
        "names": names,
    }
    recipients = [*office_users(), *_people_staff(members)]
    notify_users(users=recipients, kind="screening.abnormal", title=title, body=body, url=url)
    incident = open_incident(
        IncidentRequest(
            kind="positive",
            level="larger" if result == Result.POSITIVE else "general",
            title=title,
            source=source,
            description=body,
            place_id=tube.place_id,
            student_ids=tuple(m.student_id for m in members if m.student_id),
            staff_ids=tuple(m.staff_id for m in members if m.staff_id),
            source_url=url,
            reported_by_id=getattr(by, "pk", None),
        )
    )
    return (incident or "")[:300]


def tube_flagged(*, tube: Tube, by=None) -> str:
    """An abnormal or positive tube: everyone in it at once to the office and to their
    one-to-one staff (an urgent notification), and an incident where the platform has one.
    Called once per tube, when its result turns abnormal (the caller's conditional update)."""
    members = list(Member.objects.filter(sample__tube=tube).select_related("student", "staff").order_by("id"))
    url = reverse("screening:tube", args=[tube.pk])
    what = _("tube %(number)s") % {"number": tube.number}
    incident = _alert(members=members, tube=tube, result=tube.result, what=what, source=f"screening.tube:{tube.pk}", url=url, by=by)
    if incident:
        Tube.objects.filter(pk=tube.pk).update(incident_url=incident)
        tube.incident_url = incident
    return incident


def person_flagged(*, sample: Sample, by=None) -> str:
    """One person's own abnormal or positive result (a single tube or a retest by ID number)."""
    tube = sample.tube
    if tube.capacity == 1:
        Tube.objects.filter(pk=tube.pk).update(result=sample.result, result_at=timezone.now())
    url = reverse("screening:tube", args=[tube.pk])
    member = Member.objects.select_related("student", "staff").get(pk=sample.member_id)
    what = member.person.name
    incident = _alert(members=[member], tube=tube, result=sample.result, what=what, source=f"screening.sample:{sample.pk}", url=url, by=by)
    if incident and tube.capacity == 1:
        Tube.objects.filter(pk=tube.pk).update(incident_url=incident)
    return incident


def record_export(*, request, round: Round, what: str, rows: int, **detail) -> None:
    record_event(SecurityEvent.Kind.EXPORT, request=request, export=f"screening.{what}", round=round.pk, rows=rows, **detail)


__all__ = [
    "FLAGGED",
    "MISSING_KIND",
    "SlotSpec",
    "round_create",
    "round_next",
    "sample_record",
    "spawn_due_rounds",
    "tube_flagged",
    "person_flagged",
]
