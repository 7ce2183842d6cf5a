"""Writes for incident reports: report, acknowledge, add the written, follow-up and closing
reports, set the time limits, and the opener other apps call (fangxian.core.incidents).

Each write is one transaction: the incident, its people and photos, its clocks and its
audit trail are saved together or not at all. Photo files written before a failure are
removed again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.incidents import IncidentRequest
from fangxian.deadlines.services import close, set_deadline
from fangxian.notify.services import notify_users
from fangxian.org import photos as org_photos
from fangxian.org.access import can_write
from fangxian.org.models import Assignment, Place, Staff, Student, Unit
from fangxian.org.scope import scope_of

from . import access
from .deadlines import FIRST_REPORT, FOLLOWUP, KINDS, WRITTEN
from .models import Incident, Kind, Level, Photo, Policy, TimeLimit, Update

MAX_PHOTOS = 6
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)
_NUMBER = re.compile(r"^[A-Za-z]{0,3}\d{3,}$")
_SEPARATORS = re.compile(r"[\n;；,，、]+")


# -- people involved ----------------------------------------------------------------------


@dataclass
class People:
    students: list[Student]
    staff: list[Staff]
    others: list[str]


def parse_people(text: str, user) -> People:
    """People involved, one per line (or separated by commas): "学号/工号 姓名", a number, or a
    name. A number is linked to the student or member of staff it names when that person is in
    the reporter's scope, or when the line also gives their name (whoever knows both may name
    them; nobody learns a name from a number); everything else is kept as written."""
    scope = scope_of(user)
    found = People([], [], [])
    for raw in _SEPARATORS.split(text or ""):
        line = raw.strip()
        if not line:
            continue
        tokens = line.split()
        number = next((t for t in tokens if _NUMBER.match(t)), "")
        name = " ".join(t for t in tokens if t != number).strip()
        person = None
        if number:
            for model, field, visible in (
                (Student, "student_number", scope.students()),
                (Staff, "staff_number", scope.staff()),
            ):
                candidates = list(model.objects.filter(**{field: number}).order_by("pk")[:2])
                if len(candidates) != 1:
                    continue
                candidate = candidates[0]
                if (name and name == candidate.name) or visible.filter(pk=candidate.pk).exists():
                    person = candidate
                    break
        if isinstance(person, Student):
            if person not in found.students:
                found.students.append(person)
        elif isinstance(person, Staff):
            if person not in found.staff:
                found.staff.append(person)
        else:
            found.others.append(line[:100])
    return found


# -- photos ---------------------------------------------------------------------------------


def _clean_photos(photos: Sequence[bytes], field: str = "photos") -> list[bytes]:
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({field: _("At most %(n)s photos per report.") % {"n": MAX_PHOTOS}})
    cleaned = []
    for number, data in enumerate(photos, start=1):
        try:
            cleaned.append(org_photos.prepare(data, max_side=org_photos.EVIDENCE_SIDE))
        except ValidationError as exc:
            raise ValidationError({field: _("Photo %(n)s: %(problem)s") % {"n": number, "problem": " ".join(exc.messages)}}) from None
    return cleaned


def _save_files(cleaned: Iterable[bytes]) -> list[str]:
    """Write the cleaned photos under random names (before the transaction: see _discard)."""
    return [default_storage.save(org_photos.new_name("incidents"), ContentFile(data)) for data in cleaned]


def _discard(names: Iterable[str]) -> None:
    """The transaction failed: the files written for it go too (nothing half-saved)."""
    for name in names:
        default_storage.delete(name)


# -- reporting ------------------------------------------------------------------------------


def _check_time(occurred_at: datetime | None, now: datetime) -> datetime:
    if occurred_at is None:
        raise ValidationError({"occurred_at": _("Enter the time it happened.")})
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > now + CLOCK_SKEW:
        raise ValidationError({"occurred_at": _("The time it happened lies in the future; enter a time up to now.")})
    earliest = Policy.current().earliest_date
    if timezone.localdate(occurred_at) < earliest:
        raise ValidationError(
            {
                "occurred_at": _("The time it happened is before %(date)s, the earliest date incidents are reported for.")
                % {"date": earliest}
            }
        )
    return min(occurred_at, now)


def default_unit(user) -> Unit | None:
    """The reporting unit of this user: the unit of their duty post now, else their own unit,
    else (the office) the institution."""
    staff = Staff.objects.filter(user=user, is_active=True).select_related("unit").first()
    if staff is not None:
        post = (
            Assignment.objects.active_at(timezone.now())
            .filter(staff=staff, role__in=access.ON_DUTY_ROLES, unit__isnull=False)
            .select_related("unit")
            .order_by("-role", "pk")
            .first()
        )
        return post.unit if post else staff.unit
    return Unit.objects.filter(kind=Unit.Kind.INSTITUTION, archived_at__isnull=True).order_by("pk").first()


def reporting_units(user):
    """The units a user may report for: those in their scope, and the one they report for by
    default (their duty post's or their own)."""
    units = scope_of(user).units(Unit.objects.filter(archived_at__isnull=True))
    default = default_unit(user)
    ids = set(units.values_list("pk", flat=True)[:500])
    if default is not None:
        ids.add(default.pk)
    return Unit.objects.filter(pk__in=ids).exclude(kind__in=("major", "grade", "class")).order_by("path")


def reporting_places(user):
    """Places an incident may be put at: campuses, buildings, gates and labs (the spatial
    tree's nodes a person on duty names; a room or a bed goes into the detail line)."""
    return (
        Place.objects.filter(archived_at__isnull=True)
        .filter(kind__in=(Place.Kind.CAMPUS, Place.Kind.BUILDING, Place.Kind.GATE))
        .order_by("path")
    )


def _start_clocks(incident: Incident) -> None:
    limit = incident.limit
    ack = timedelta(minutes=limit.acknowledge_minutes)
    set_deadline(incident, FIRST_REPORT, max(incident.occurred_at + timedelta(minutes=limit.first_minutes), incident.reported_at + ack))
    set_deadline(
        incident,
        WRITTEN,
        max(incident.occurred_at + timedelta(minutes=limit.written_minutes), incident.reported_at + timedelta(minutes=limit.first_minutes)),
    )


def _tell_the_office(incident: Incident) -> None:
    office = get_user_model().objects.filter(is_active=True, role_grants__role=Role.PREVENTION_OFFICE).distinct()
    office = [u for u in office if u.pk != incident.reported_by_id]
    notify_users(
        users=office,
        kind="incidents.reported",
        title=_("Incident reported: %(title)s (%(level)s)") % {"title": incident.title, "level": incident.get_level_display()},
        body=_("Reported at %(time)s. Acknowledge it on its page.")
        % {"time": timezone.localtime(incident.reported_at).strftime("%m-%d %H:%M")},
        url=reverse("incidents:detail", args=[incident.pk]),
    )


def incident_report(
    *,
    user,
    kind: str,
    occurred_at: datetime | None,
    description: str,
    level: str = Level.GENERAL,
    unit: Unit | None = None,
    place: Place | None = None,
    place_detail: str = "",
    title: str = "",
    people: str = "",
    students: Sequence[Student] = (),
    staff: Sequence[Staff] = (),
    reporter_phone: str | None = None,
    measures: str = "",
    photos: Sequence[bytes] = (),
    request_key: str = "",
    now: datetime | None = None,
) -> Incident:
    """Report an incident (its first report, 首报) and start its clocks. The office and members
    of staff on duty may report; the same `request_key` from the same user reports once."""
    if not access.can_report(user):
        raise PermissionDenied
    now = now or timezone.now()
    request_key = (request_key or "")[:64]
    if request_key:
        existing = Incident.objects.filter(reported_by=user, request_key=request_key).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Choose the incident type.")]
    if level not in Level.values:
        errors["level"] = [_("Choose the level.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe what happened in a few words.")]
    try:
        occurred_at = _check_time(occurred_at, now)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    unit = unit or default_unit(user)
    if unit is None or not reporting_units(user).filter(pk=unit.pk).exists():
        errors["unit"] = [_("Choose a reporting unit of your own.")]
    if place is not None and place.is_archived:
        errors["place"] = [_("This place has been archived; choose another.")]
    try:
        cleaned = _clean_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    found = parse_people(people, user)
    staff_record = Staff.objects.filter(user=user, is_active=True).first()
    label = Kind(kind).label
    title = (title or "").strip() or (f"{label} · {place.name}" if place else f"{label} · {unit.name}")
    names = _save_files(cleaned)
    try:
        with transaction.atomic():
            incident = Incident(
                kind=kind,
                level=level,
                title=title[:120],
                occurred_at=occurred_at,
                unit=unit,
                place=place,
                place_detail=(place_detail or "").strip()[:200],
                description=description.strip(),
                measures=(measures or "").strip(),
                others="\n".join(found.others),
                reported_by=user,
                reporter_name=staff_record.name if staff_record else user.get_full_name() or user.get_username(),
                reporter_phone=(reporter_phone if reporter_phone is not None else (staff_record.phone if staff_record else ""))[:20],
                reported_at=now,
                last_report_at=now,
                request_key=request_key,
            )
            incident.full_clean(exclude=["students", "staff"])
            incident.save()
            incident.students.set([*found.students, *students])
            incident.staff.set([*found.staff, *staff])
            Photo.objects.bulk_create([Photo(incident=incident, image=name, added_by=user, added_at=now) for name in names])
            _start_clocks(incident)
            _tell_the_office(incident)
    except IntegrityError:
        _discard(names)
        # The same request key raced in from a second submit: that one won.
        existing = Incident.objects.filter(reported_by=user, request_key=request_key).first() if request_key else None
        if existing is None:
            raise
        return existing
    except BaseException:
        _discard(names)
        raise
    return incident


def open_from_request(request: IncidentRequest) -> str:
    """The opener registered with fangxian.core.incidents: the incident for `request.source`,
    opened once however often (and however concurrently) it is asked for; its URL."""
    existing = Incident.objects.filter(source=request.source).only("pk").first()
    if existing is None:
        now = timezone.now()
        place = Place.objects.filter(pk=request.place_id).first() if request.place_id else None
        unit = Unit.objects.filter(pk=request.unit_id).first() if request.unit_id else None
        if unit is None and place is not None:
            unit = place.institution
        if unit is None:
            unit = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, archived_at__isnull=True).order_by("pk").first()
        user = get_user_model().objects.filter(pk=request.reported_by_id).first() if request.reported_by_id else None
        staff_record = Staff.objects.filter(user=user, is_active=True).first() if user else None
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    kind=request.kind,
                    level=request.level,
                    title=request.title[:120],
                    occurred_at=min(request.occurred_at or now, now),
                    unit=unit,
                    place=place,
                    description=request.description or request.title,
                    reported_by=user,
                    reporter_name=staff_record.name if staff_record else (_("Fangxian platform") if user is None else user.get_username()),
                    reporter_phone=staff_record.phone if staff_record else "",
                    reported_at=now,
                    last_report_at=now,
                    source=request.source[:100],
                    # A page of this site only (the incident page links to it).
                    source_url=request.source_url[:300]
                    if request.source_url.startswith("/") and not request.source_url.startswith("//")
                    else "",
                )
                incident.students.set(Student.objects.filter(pk__in=request.student_ids))
                incident.staff.set(Staff.objects.filter(pk__in=request.staff_ids))
                _start_clocks(incident)
                _tell_the_office(incident)
        except IntegrityError:
            incident = Incident.objects.get(source=request.source)
        existing = incident
    return reverse("incidents:detail", args=[existing.pk])


@transaction.atomic
def incident_acknowledge(*, user, incident: Incident, now: datetime | None = None) -> Incident:
    """The office has the first report in hand: its clock stops (no escalation after this)."""
    if not can_write(user, access.OFFICE):
        raise PermissionDenied
    now = now or timezone.now()
    won = Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).exclude(status=Incident.Status.CLOSED)
    if not won.update(acknowledged_at=now, acknowledged_by=user, status=Incident.Status.ACKNOWLEDGED):
        incident.refresh_from_db()
        if incident.is_closed:
            raise ValidationError(_("The incident is closed."))
        return incident  # acknowledged already (twice clicked, or by a colleague)
    close(incident, FIRST_REPORT, at=now)
    incident.refresh_from_db()
    if incident.reported_by_id and incident.reported_by_id != user.pk:
        notify_users(
            users=[incident.reported_by],
            kind="incidents.acknowledged",
            title=_("The office has acknowledged: %(title)s") % {"title": incident.title},
            body=_("Send the written report and the follow-up reports on the incident's page."),
            url=reverse("incidents:detail", args=[incident.pk]),
        )
    return incident


def update_add(
    *,
    user,
    incident: Incident,
    kind: str,
    text: str,
    measures: str = "",
    next_steps: str = "",
    photos: Sequence[bytes] = (),
    now: datetime | None = None,
) -> Update:
    """Add the written report, a follow-up report (续报) or the closing report (终报) to the
    incident's timeline and move its clocks: a written or follow-up report starts the next
    follow-up clock; the closing report closes the incident and stops every clock."""
    if not access.can_add_report(user, incident):
        if incident.is_closed:
            raise ValidationError(_("The incident is closed; no further reports can be added."))
        raise PermissionDenied
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if kind not in Update.Kind.values:
        errors["kind"] = [_("Choose the report type.")]
    elif kind == Update.Kind.WRITTEN and incident.written_at is not None:
        errors["kind"] = [_("The written report has been filed already; add a follow-up report.")]
    if not (text or "").strip():
        errors["text"] = [_("Describe the progress since the last report.")]
    try:
        cleaned = _clean_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    staff_record = Staff.objects.filter(user=user, is_active=True).first()
    names = _save_files(cleaned)
    try:
        update = _add(user, incident, kind, text, measures, next_steps, names, staff_record, now)
    except BaseException:
        _discard(names)
        raise
    incident.refresh_from_db()
    return update


@transaction.atomic
def _add(user, incident, kind, text, measures, next_steps, names, staff_record, now) -> Update:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.is_closed:
        raise ValidationError(_("The incident is closed; no further reports can be added."))
    update = Update.objects.create(
        incident=locked,
        kind=kind,
        text=text.strip(),
        measures=(measures or "").strip(),
        next_steps=(next_steps or "").strip(),
        created_by=user,
        author_name=staff_record.name if staff_record else user.get_username(),
        created_at=now,
    )
    fields = ["last_report_at"]
    locked.last_report_at = now
    if update.measures:
        locked.measures, fields = update.measures, [*fields, "measures"]
    if update.next_steps:
        locked.next_steps, fields = update.next_steps, [*fields, "next_steps"]
    if kind == Update.Kind.WRITTEN:
        locked.written_at = now
        fields.append("written_at")
        close(locked, WRITTEN, at=now)
    if kind == Update.Kind.FINAL:
        locked.status, locked.closed_at = Incident.Status.CLOSED, now
        fields += ["status", "closed_at"]
        for key in KINDS:
            close(locked, key, at=now)
    else:
        set_deadline(locked, FOLLOWUP, now + timedelta(hours=locked.limit.followup_hours))
    locked.save(update_fields=fields)
    Photo.objects.bulk_create([Photo(incident=locked, image=name, added_by=user, added_at=now) for name in names])
    return update


@transaction.atomic
def limits_save(*, user, limits: dict[str, dict[str, int]], earliest_date) -> None:
    """The office's time limits per level, and the earliest date an incident may be dated.
    Running clocks keep their times; new incidents and new follow-up clocks use the new ones."""
    if not can_write(user, access.OFFICE):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    for level, values in limits.items():
        if level not in Level.values:
            raise ValidationError(_("Unknown level %(level)s.") % {"level": level})
        for field in ("first_minutes", "written_minutes", "followup_hours", "acknowledge_minutes"):
            value = values.get(field)
            if not isinstance(value, int) or value < 1 or value > 10_000:
                errors[f"{level}-{field}"] = [_("%(level)s: enter a whole number from 1 to 10000.") % {"level": Level(level).label}]
    if earliest_date is None:
        errors["earliest_date"] = [_("Enter the earliest date.")]
    elif earliest_date > timezone.localdate():
        errors["earliest_date"] = [_("The earliest date cannot lie in the future.")]
    if errors:
        raise ValidationError(errors)
    for level, values in limits.items():
        TimeLimit.objects.update_or_create(level=level, defaults=values)
    Policy.objects.update_or_create(pk=1, defaults={"earliest_date": earliest_date})


def is_office(user) -> bool:
    return Role.PREVENTION_OFFICE in roles_of(user)
