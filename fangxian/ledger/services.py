"""Writes on the stay ledger. Every function is one transaction and refuses what the
pages, the import and the API must all refuse: dates outside the period, overlapping
stays, beds that are taken or of the wrong gender, status changes that do not follow the
flow, and changes made on a version of an entry that someone else has changed since."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org import services as org_services
from fangxian.org.models import Assignment, AssignmentRole, Gender, Place, Staff, Student, Unit

from .models import (
    FOREVER,
    LIVE_STATUSES,
    TRANSITIONS,
    BedSpell,
    Category,
    LedgerEntry,
    StatusSpell,
    StayApplication,
    StayPeriod,
    StayReason,
    StudentTag,
)
from .models import Status as S

Stage = StayApplication.Stage


class EntryConflict(ValidationError):
    """Someone else changed the entry after the user loaded it (optimistic concurrency)."""

    def __init__(self, entry: LedgerEntry):
        who = entry.updated_by.get_full_name() if entry.updated_by else _("someone")
        message = _(
            "%(who)s changed this student to “%(status)s” at %(time)s, after you opened the page. Nothing was saved; check and try again."
        ) % {"who": who, "status": entry.get_status_display(), "time": timezone.localtime(entry.updated_at).strftime("%H:%M")}
        super().__init__(message, code="conflict")
        self.entry = entry


# -- places ---------------------------------------------------------------------


def place_of_bed(bed: Place) -> tuple[int, int]:
    """(campus id, building id) of a bed, read from its materialised path."""
    ids = bed.ancestor_ids()  # campus, building, room
    return ids[0], ids[1]


def college_of_class(klass: Unit) -> int:
    return int(klass.path.strip("/").split("/")[1])


def bed_gender(bed: Place) -> str:
    """The gender of the room, or of the building when the room has none ('' = any)."""
    room = bed.parent
    return room.gender or (room.parent.gender if room.parent_id else "")


def bed_label(bed: Place | None) -> str:
    if bed is None:
        return ""
    room = bed.parent
    return f"{room.parent.name} {room.name} {bed.name}"


def bed_problem(
    *, student: Student, bed: Place | None, start: date, end: date, ignore_entry_ids: set[int] | frozenset = frozenset()
) -> str | None:
    """Why `student` cannot have `bed` from `start` to `end`, or None."""
    if bed is None:
        return _("Choose a bed.")
    if bed.kind != Place.Kind.BED:
        return _("Choose a bed.")
    if bed.is_archived:
        return _("The bed is archived.")
    if bed.institution_id != student.institution_id:
        return _("The bed belongs to another institution.")
    gender = bed_gender(bed)
    if gender and gender != student.gender:
        return _("%(bed)s is in a %(gender)s dormitory.") % {"bed": bed_label(bed), "gender": Gender(gender).label}
    if Student.objects.filter(bed=bed).exclude(pk=student.pk).exists():
        return _("%(bed)s belongs to another student.") % {"bed": bed_label(bed)}
    taken = (
        LedgerEntry.objects.filter(bed=bed, status__in=LIVE_STATUSES, application__start_date__lte=end, application__end_date__gte=start)
        .exclude(student=student)
        .exclude(pk__in=ignore_entry_ids)
    )
    if taken.exists():
        return _("%(bed)s is taken by another staying student in that period.") % {"bed": bed_label(bed)}
    return None


def overlapping_stay(*, student: Student, start: date, end: date, exclude_period: StayPeriod | None = None) -> StayApplication | None:
    others = StayApplication.objects.filter(student=student, start_date__lte=end, end_date__gte=start).exclude(stage=Stage.WITHDRAWN)
    if exclude_period is not None:
        others = others.exclude(period=exclude_period)
    return others.select_related("period").first()


def overlap_message(other: StayApplication) -> str:
    return _("The stay overlaps another stay (%(period)s, %(start)s – %(end)s).") % {
        "period": other.period.name,
        "start": other.start_date,
        "end": other.end_date,
    }


# -- periods, reasons, categories ------------------------------------------------------


@transaction.atomic
def period_create(*, institution: Unit, name: str, start_date: date, end_date: date, reasons: list[str], by=None) -> StayPeriod:
    period = StayPeriod(institution=institution, name=name, start_date=start_date, end_date=end_date, created_by=by)
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": _("The last day is before the first day.")})
    period.full_clean()
    period.save()
    for order, reason in enumerate(dict.fromkeys(r.strip() for r in reasons if r.strip())):
        StayReason.objects.create(period=period, name=reason, sort_order=order)
    return period


@transaction.atomic
def period_update(*, period: StayPeriod, name: str, start_date: date, end_date: date, is_open: bool) -> StayPeriod:
    if end_date < start_date:
        raise ValidationError({"end_date": _("The last day is before the first day.")})
    outside = period.applications.exclude(stage=Stage.WITHDRAWN).exclude(start_date__gte=start_date, end_date__lte=end_date)
    if outside.exists():
        raise ValidationError(_("Some stays fall outside the new dates; change them first."))
    period.name, period.start_date, period.end_date, period.is_open = name, start_date, end_date, is_open
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def reason_add(*, period: StayPeriod, name: str) -> StayReason:
    reason = StayReason(period=period, name=name.strip(), sort_order=period.reasons.count())
    reason.full_clean()
    reason.save()
    return reason


@transaction.atomic
def reason_set_active(*, reason: StayReason, active: bool) -> StayReason:
    reason.is_active = active
    reason.save(update_fields=["is_active"])
    return reason


@transaction.atomic
def category_save(*, category: Category) -> Category:
    category.full_clean()
    category.save()
    return category


# -- applications -------------------------------------------------------------------------


def _check_application(app: StayApplication, *, pledge_agreed: bool) -> None:
    errors: dict[str, list[str]] = {}
    period = app.period
    if app.start_date and app.end_date:
        if app.end_date < app.start_date:
            errors.setdefault("end_date", []).append(_("The last day of the stay is before its first day."))
        elif app.start_date < period.start_date or app.end_date > period.end_date:
            errors.setdefault("start_date", []).append(
                _("The stay must lie within the period (%(start)s – %(end)s).") % {"start": period.start_date, "end": period.end_date}
            )
    if not app.reason_id:
        errors.setdefault("reason", []).append(_("Choose a reason."))
    elif app.reason.period_id != period.pk or not app.reason.is_active:
        errors.setdefault("reason", []).append(_("This reason is not accepted in this period."))
    if not pledge_agreed:
        errors.setdefault("pledge", []).append(_("You must agree to the safety pledge."))
    if app.start_date and app.end_date and app.end_date >= app.start_date and not errors.get("start_date"):
        other = overlapping_stay(student=app.student, start=app.start_date, end=app.end_date, exclude_period=period)
        if other is not None:
            errors.setdefault("start_date", []).append(overlap_message(other))
        entry_id = getattr(getattr(app, "entry", None), "pk", None) if app.pk else None
        problem = bed_problem(
            student=app.student,
            bed=app.bed if app.bed_id else None,
            start=app.start_date,
            end=app.end_date,
            ignore_entry_ids={entry_id} if entry_id else set(),
        )
        if problem:
            errors.setdefault("bed", []).append(problem)
    for field in ("emergency_phone", "parent_phone"):
        value = getattr(app, field)
        if value and not _phone_ok(value):
            errors.setdefault(field, []).append(_("“%(value)s” is not a phone number.") % {"value": value})
    if errors:
        raise ValidationError(errors)


def _phone_ok(value: str) -> bool:
    import re

    return bool(re.fullmatch(r"1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?", value))


@transaction.atomic
def application_submit(
    *,
    student: Student,
    period: StayPeriod,
    start_date: date,
    end_date: date,
    reason: StayReason,
    bed: Place,
    emergency_contact: str,
    emergency_phone: str,
    parent_name: str,
    parent_phone: str,
    pledge_agreed: bool,
    reason_note: str = "",
    by=None,
    source: str = StayApplication.Source.STUDENT,
    on: date | None = None,
) -> StayApplication:
    """A student applies (or re-applies after being returned); a college registers a
    student directly (source college/import: confirmed at once, the entry approved)."""
    on = on or timezone.localdate()
    by_student = source == StayApplication.Source.STUDENT
    app = StayApplication.objects.select_for_update().filter(period=period, student=student).first()
    if app is not None and not (by_student and app.stage in (Stage.SUBMITTED, Stage.RETURNED, Stage.WITHDRAWN)):
        raise ValidationError(_("%(student)s already has a stay in %(period)s.") % {"student": student.name, "period": period.name})
    if by_student and not period.is_open:
        raise ValidationError(_("The period %(period)s no longer accepts applications.") % {"period": period.name})
    if app is None:
        app = StayApplication(period=period, student=student, created_by=by, source=source)
    else:
        app.version += 1
    fields = {
        "start_date": start_date,
        "end_date": end_date,
        "reason": reason,
        "reason_note": reason_note,
        "bed": bed,
        "emergency_contact": emergency_contact,
        "emergency_phone": emergency_phone,
        "parent_name": parent_name,
        "parent_phone": parent_phone,
    }
    for name, value in fields.items():
        setattr(app, name, value)
    _check_application(app, pledge_agreed=pledge_agreed)
    app.pledge_agreed_at = timezone.now()
    if by_student:
        app.stage = Stage.SUBMITTED
    else:
        app.stage = Stage.CONFIRMED
        app.college_by, app.college_at = by, timezone.now()
    app.full_clean()
    app.save()
    status = S.REGISTERED if by_student else S.APPROVED
    entry = LedgerEntry.objects.filter(application=app).first()
    if entry is None:
        entry = _entry_create(app, status=status, on=on, by=by)
    else:
        if entry.bed_id != bed.pk:
            _relocate(entry, bed=bed, on=on, by=by)
        if entry.status == S.CANCELLED:
            _set_status(entry, status=status, on=on, by=by, note=_("Applied again"))
    if not by_student:
        one_to_one_ensure(student=student, by=by, on=on)
    return app


def _entry_create(app: StayApplication, *, status: str, on: date, by) -> LedgerEntry:
    student = app.student
    campus_id, building_id = place_of_bed(app.bed)
    entry = LedgerEntry.objects.create(
        application=app,
        period=app.period,
        student=student,
        status=status,
        status_since=on,
        college_id=college_of_class(student.klass),
        klass_id=student.klass_id,
        campus_id=campus_id,
        building_id=building_id,
        bed=app.bed,
        updated_by=by,
    )
    StatusSpell.objects.create(**_spell_fields(entry), status=status, valid_from=on, changed_by=by)
    BedSpell.objects.create(entry=entry, student=student, bed=app.bed, valid_from=on, changed_by=by)
    return entry


def _spell_fields(entry: LedgerEntry) -> dict:
    return {
        "entry": entry,
        "student_id": entry.student_id,
        "period_id": entry.period_id,
        "college_id": entry.college_id,
        "klass_id": entry.klass_id,
        "campus_id": entry.campus_id,
        "building_id": entry.building_id,
        "bed_id": entry.bed_id,
    }


def _current_spell(entry: LedgerEntry) -> StatusSpell:
    return StatusSpell.objects.select_for_update().get(entry=entry, valid_to=FOREVER)


def _set_status(
    entry: LedgerEntry, *, status: str, on: date, by, note: str = "", version: int | None = None, expected_return=None
) -> LedgerEntry:
    """Move `entry` to `status` from day `on`: one guarded UPDATE (the version check), the
    current spell closed on `on`, a new spell opened."""
    current = _current_spell(entry)
    if on < current.valid_from:
        raise ValidationError(_("The change cannot be dated before the current status began (%(day)s).") % {"day": current.valid_from})
    rows = LedgerEntry.objects.filter(pk=entry.pk, **({"version": version} if version is not None else {}))
    updated = rows.update(
        status=status,
        status_since=on,
        expected_return=expected_return,
        version=F("version") + 1,
        updated_at=timezone.now(),
        updated_by=by,
    )
    if not updated:
        raise EntryConflict(LedgerEntry.objects.select_related("updated_by").get(pk=entry.pk))
    StatusSpell.objects.filter(pk=current.pk).update(valid_to=on)
    entry.refresh_from_db()
    StatusSpell.objects.create(**_spell_fields(entry), status=status, valid_from=on, note=note[:200], changed_by=by)
    return entry


def _relocate(entry: LedgerEntry, *, bed: Place, on: date, by, plan=None, note: str = "") -> LedgerEntry:
    """Give the entry another bed from day `on`: bed history and a new status spell (same
    status, new place), so that on-date counts by building stay right."""
    campus_id, building_id = place_of_bed(bed)
    LedgerEntry.objects.filter(pk=entry.pk).update(
        bed=bed, campus_id=campus_id, building_id=building_id, version=F("version") + 1, updated_at=timezone.now(), updated_by=by
    )
    BedSpell.objects.filter(entry=entry, valid_to=FOREVER).update(valid_to=on)
    BedSpell.objects.create(entry=entry, student_id=entry.student_id, bed=bed, valid_from=on, plan=plan, changed_by=by)
    current = _current_spell(entry)
    if on < current.valid_from:
        raise ValidationError(_("The change cannot be dated before the current status began (%(day)s).") % {"day": current.valid_from})
    StatusSpell.objects.filter(pk=current.pk).update(valid_to=on)
    entry.refresh_from_db()
    StatusSpell.objects.create(**_spell_fields(entry), status=entry.status, valid_from=on, note=note[:200], changed_by=by)
    return entry


def _guard_version(obj, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise ValidationError(_("Someone else has acted on this application since you opened it. Reload the page."), code="conflict")


@transaction.atomic
def application_review(
    *, application: StayApplication, approve: bool, comment: str = "", by, version: int | None = None
) -> StayApplication:
    """The counselor approves (to the college) or returns (to the student, with a comment)."""
    app = StayApplication.objects.select_for_update().get(pk=application.pk)
    _guard_version(app, version)
    if app.stage != Stage.SUBMITTED:
        raise ValidationError(_("This application is not waiting for the counselor."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say what the student must change.")})
    app.stage = Stage.COUNSELOR_APPROVED if approve else Stage.RETURNED
    app.counselor_comment, app.counselor_by, app.counselor_at = comment.strip(), by, timezone.now()
    app.version += 1
    app.save()
    return app


@transaction.atomic
def application_confirm(
    *, application: StayApplication, approve: bool = True, comment: str = "", by, version: int | None = None, on: date | None = None
) -> StayApplication:
    """The college confirms: the ledger entry becomes 已批准 and the student gets a
    one-to-one staff member (the class's counselor) if they have none. Or it returns it."""
    on = on or timezone.localdate()
    app = StayApplication.objects.select_for_update().get(pk=application.pk)
    _guard_version(app, version)
    if app.stage != Stage.COUNSELOR_APPROVED:
        raise ValidationError(_("This application is not waiting for the college."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say what the student must change.")})
    app.stage = Stage.CONFIRMED if approve else Stage.RETURNED
    app.college_comment, app.college_by, app.college_at = comment.strip(), by, timezone.now()
    app.version += 1
    app.save()
    if approve:
        entry = LedgerEntry.objects.get(application=app)
        _set_status(entry, status=S.APPROVED, on=on, by=by, note=_("Confirmed by the college"))
        one_to_one_ensure(student=app.student, by=by, on=on)
    return app


@transaction.atomic
def application_register_by_counselor(*, student: Student, period: StayPeriod, by, **fields) -> StayApplication:
    """A counselor puts a student on the ledger (the student asked in person, or has no
    phone): the application is made for the student and approved by the counselor at once;
    the college confirms it as any other."""
    app = application_submit(student=student, period=period, by=by, **fields)
    return application_review(application=app, approve=True, comment=_("Registered by the counselor"), by=by)


@transaction.atomic
def application_withdraw(*, application: StayApplication, by) -> StayApplication:
    app = StayApplication.objects.select_for_update().get(pk=application.pk)
    if app.stage not in (Stage.SUBMITTED, Stage.RETURNED, Stage.COUNSELOR_APPROVED):
        raise ValidationError(_("A confirmed stay cannot be withdrawn; ask your counselor."))
    app.stage = Stage.WITHDRAWN
    app.version += 1
    app.save()
    entry = LedgerEntry.objects.get(application=app)
    _set_status(entry, status=S.CANCELLED, on=timezone.localdate(), by=by, note=_("Application withdrawn"))
    return app


# -- status ----------------------------------------------------------------------------------


@transaction.atomic
def entry_change_status(
    *,
    entry: LedgerEntry,
    status: str,
    version: int,
    by,
    note: str = "",
    on: date | None = None,
    expected_return: date | None = None,
    confirmed: bool = False,
) -> LedgerEntry:
    """A status change by hand (the counselor's one tap): refused when it does not follow
    the flow, and refused with EntryConflict when the entry changed since `version`. Letting
    a high-risk student out takes a confirmation and a return date, not one tap."""
    today = timezone.localdate()
    on = on or today
    fresh = LedgerEntry.objects.select_related("updated_by").get(pk=entry.pk)
    if fresh.version != version:
        raise EntryConflict(fresh)
    if status not in TRANSITIONS[fresh.status]:
        raise ValidationError(
            _("A student who is “%(current)s” cannot be set to “%(wanted)s”.")
            % {"current": fresh.get_status_display(), "wanted": S(status).label if status in S.values else status}
        )
    if on > today:
        raise ValidationError({"on": _("A status change cannot be dated in the future.")})
    if status == S.OUT and expected_return is not None and expected_return < on:
        raise ValidationError({"expected_return": _("The return date is before the leave date.")})
    if status == S.OUT and is_high_risk(fresh.student_id, on):
        if expected_return is None:
            raise ValidationError({"expected_return": _("A high-risk student goes out only with a return date; enter it.")})
        if not confirmed:
            raise ValidationError({"confirmed": _("Confirm that this high-risk student may go out.")})
    return _set_status(
        fresh, status=status, on=on, by=by, note=note, version=version, expected_return=expected_return if status == S.OUT else None
    )


HIGH_RISK_CODES = ("risk_high",)


def is_high_risk(student_id: int, on: date) -> bool:
    """The student holds a high-risk tag (a risk-level category coded risk_high) on `on`."""
    return (
        StudentTag.objects.on(on)
        .filter(student_id=student_id, category__kind=Category.Kind.RISK, category__code__in=HIGH_RISK_CODES)
        .exists()
    )


# -- one-to-one ------------------------------------------------------------------------------


def suggested_staff(student: Student, day: date | None = None) -> Staff | None:
    """The class's counselor (the nearest counselor of the class, its grade or major), else
    its class teacher."""
    day = day or timezone.localdate()
    klass = student.klass
    unit_ids = [*klass.ancestor_ids(), klass.pk]
    depth = {unit_id: index for index, unit_id in enumerate(unit_ids)}
    rows = list(
        Assignment.objects.active_on(day)
        .filter(role__in=[AssignmentRole.COUNSELOR, AssignmentRole.CLASS_TEACHER], unit_id__in=unit_ids, staff__is_active=True)
        .select_related("staff")
    )
    rows.sort(key=lambda a: (a.role != AssignmentRole.COUNSELOR, -depth[a.unit_id], a.pk))
    return rows[0].staff if rows else None


def one_to_one_current(student: Student, day: date | None = None) -> Assignment | None:
    day = day or timezone.localdate()
    return Assignment.objects.active_on(day).filter(role=AssignmentRole.ONE_TO_ONE, student=student).select_related("staff").first()


@transaction.atomic
def one_to_one_set(*, student: Student, staff: Staff, by, on: date | None = None, note: str = "") -> Assignment:
    """Make `staff` the student's one-to-one staff member (一对一) from `on`: an org
    assignment, handed over from the previous holder so that history is kept."""
    on = on or timezone.localdate()
    current = one_to_one_current(student, on)
    if current is not None and current.staff_id == staff.pk:
        return current
    if current is None:
        return org_services.assignment_create(by=by, staff=staff, role=AssignmentRole.ONE_TO_ONE, student=student, start_date=on, note=note)
    if current.start_date < on:
        return org_services.assignment_handover(assignment=current, to_staff=staff, on=on, by=by, note=note)
    # Started today: a same-day correction of who holds it, not a handover.
    current.staff = staff
    current.note = note or current.note
    current.full_clean()
    current.save(update_fields=["staff", "note"])
    return current


def one_to_one_ensure(*, student: Student, by, on: date | None = None) -> Assignment | None:
    """Give the student the suggested one-to-one staff member if they have none."""
    if one_to_one_current(student, on) is not None:
        return None
    staff = suggested_staff(student, on)
    return one_to_one_set(student=student, staff=staff, by=by, on=on) if staff else None


@transaction.atomic
def one_to_one_fill(*, entries, by, on: date | None = None) -> int:
    """Give every student of `entries` without a one-to-one staff member the suggested one
    (one query finds who has one already; the others go through the org services)."""
    on = on or timezone.localdate()
    student_ids = list(entries.values_list("student_id", flat=True))
    covered = set(
        Assignment.objects.active_on(on)
        .filter(role=AssignmentRole.ONE_TO_ONE, student_id__in=student_ids)
        .values_list("student_id", flat=True)
    )
    count = 0
    for student in Student.objects.filter(pk__in=[pk for pk in student_ids if pk not in covered]).select_related("klass"):
        if one_to_one_ensure(student=student, by=by, on=on):
            count += 1
    return count


# -- tags ------------------------------------------------------------------------------------


@transaction.atomic
def tag_add(*, student: Student, category: Category, by, on: date | None = None, note: str = "") -> StudentTag:
    on = on or timezone.localdate()
    if category.institution_id != student.institution_id or not category.is_active:
        raise ValidationError(_("This category is not in use."))
    active = StudentTag.objects.on(on).filter(student=student)
    if active.filter(category=category).exists():
        raise ValidationError(_("%(student)s is already in “%(category)s”.") % {"student": student.name, "category": category.name})
    if category.kind == Category.Kind.RISK:
        # One risk level at a time: the new one ends the old.
        for old in active.filter(category__kind=Category.Kind.RISK):
            _tag_close(old, on=on, by=by)
    tag = StudentTag(student=student, category=category, valid_from=on, note=note, set_by=by)
    tag.full_clean()
    tag.save()
    return tag


def _tag_close(tag: StudentTag, *, on: date, by) -> None:
    tag.valid_to = max(on, tag.valid_from)
    tag.ended_by = by
    tag.save(update_fields=["valid_to", "ended_by"])


@transaction.atomic
def tag_end(*, tag: StudentTag, by, on: date | None = None) -> StudentTag:
    on = on or timezone.localdate()
    if not tag.is_current:
        raise ValidationError(_("This classification has already ended."))
    if on < tag.valid_from:
        raise ValidationError(_("The end date is before the classification began."))
    _tag_close(tag, on=on, by=by)
    return tag
