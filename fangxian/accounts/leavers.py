"""Leavers (离职 / 毕业): a member of staff marked inactive or a student who graduated or
withdrew loses the account and the responsibilities with it.

- the account is disabled (which ends its sessions, see signals.on_user_saved) and its API
  tokens are revoked;
- their assignments end: the leaving day is the first day they are gone, so an assignment
  in force on it ends the day before, one that had not started yet is removed (it never
  took effect); assignments *for* a student who left (one-to-one) end the same way;
- coverage then shows the gaps this leaves, since it is computed from assignments in force.

It runs when a person is saved (the person pages and the API), after an import of students
or staff (which writes in bulk, without per-row signals: the import's own event is the
hook), and daily as a safety net (tasks.accounts_leavers_daily). It is idempotent.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from .models import ApiToken, User

LEFT_STUDENT_STATUSES = ("graduated", "withdrawn")


def _end_assignments(assignments, on: date) -> int:
    from fangxian.org.services import assignment_end

    ended = 0
    last_day = on - timedelta(days=1)
    for assignment in assignments.filter(Q(end_date__isnull=True) | Q(end_date__gte=on)):
        if assignment.start_date >= on:
            assignment.delete()  # never in force; the change log (auditlog) keeps the row
        else:
            assignment_end(assignment=assignment, on=last_day)
        ended += 1
    return ended


@transaction.atomic
def person_left(*, person, on: date | None = None, by=None, request=None) -> dict:
    """Apply a person's leaving on `on` (today by default). Returns what it changed."""
    from fangxian.org.models import Assignment, Staff

    on = on or timezone.localdate()
    changed = {"account": False, "tokens": 0, "assignments": 0}
    if isinstance(person, Staff):
        changed["assignments"] = _end_assignments(Assignment.objects.filter(staff=person), on)
    else:
        changed["assignments"] = _end_assignments(Assignment.objects.filter(student=person), on)
    user = User.objects.filter(pk=person.user_id).first() if person.user_id else None
    if user is not None:
        changed["tokens"] = ApiToken.objects.active().filter(user=user).update(revoked_at=timezone.now())
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])  # post_save ends every session of the account
            changed["account"] = True
    if user is not None and (changed["account"] or changed["tokens"]):
        record_event(
            SecurityEvent.Kind.ACCOUNT_DISABLED,
            request=request,
            user=by,
            username=by.get_username() if by is not None else "",
            target=user.username,
            reason="left",
            on=on.isoformat(),
            tokens=changed["tokens"],
            assignments=changed["assignments"],
        )
    return changed


def leavers():
    """People who have left but still hold an active account or open assignments."""
    from fangxian.org.models import Assignment, Staff, Student

    today = timezone.localdate()
    open_assignment = Q(end_date__isnull=True) | Q(end_date__gte=today)
    staff_with_work = Assignment.objects.filter(open_assignment).values("staff_id")
    students_with_work = Assignment.objects.filter(open_assignment, student__isnull=False).values("student_id")
    staff = Staff.objects.filter(is_active=False).filter(Q(user__is_active=True) | Q(pk__in=staff_with_work))
    students = Student.objects.filter(status__in=LEFT_STUDENT_STATUSES).filter(Q(user__is_active=True) | Q(pk__in=students_with_work))
    return [*staff, *students]


def sync_leavers(*, by=None) -> int:
    """Apply leaving to everyone who left and still has access or responsibilities."""
    count = 0
    for person in leavers():
        person_left(person=person, by=by)
        count += 1
    return count


def is_leaver(person) -> bool:
    from fangxian.org.models import Staff

    if isinstance(person, Staff):
        return not person.is_active
    return person.status in LEFT_STUDENT_STATUSES


def on_person_saved(sender, instance, **kwargs):
    """A person edited by hand (page or API) who has just left."""
    if kwargs.get("raw") or not is_leaver(instance):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not ({"is_active", "status"} & set(update_fields)):
        return
    person_left(person=instance)


def on_security_event(sender, instance, created, **kwargs):
    """After an import of students or staff (inside its transaction): all or nothing."""
    if created and instance.kind == SecurityEvent.Kind.IMPORT and instance.detail.get("importer") in ("students", "staff"):
        sync_leavers(by=instance.user)


def connect() -> None:
    from django.db.models.signals import post_save

    from fangxian.org.models import Staff, Student

    post_save.connect(on_person_saved, sender=Staff, dispatch_uid="accounts.leavers.staff")
    post_save.connect(on_person_saved, sender=Student, dispatch_uid="accounts.leavers.student")
    post_save.connect(on_security_event, sender=SecurityEvent, dispatch_uid="accounts.leavers.import")
