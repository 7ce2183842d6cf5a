"""People an import marks as gone (staff 离职, students 毕业/退学): their leaving is applied in
the import's transaction, on the date the file gives (accounts.leavers: the account is
disabled, its sessions and tokens end, their assignments end the day before), and what it
changed is recorded in the batch so that undoing the import gives the account and the
assignments back. The nightly and after-import sync (accounts.leavers.sync_leavers) then
finds nothing left to do for them."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core.importing import Importer, Row, RowError

from ..models import Assignment


def check_leaving_date(importer: Importer, row: Row, *, gone: bool, column: str = "left_on") -> RowError | None:
    """A leaving date only for someone who left, and not in the future (the account would
    be disabled today for a leaving that has not happened yet)."""
    day = row.get(column)
    if not day:
        return None
    if not gone:
        return importer.error(row, column, _("A leaving date is given only for someone who has left."))
    if day > timezone.localdate():
        return importer.error(
            row, column, _("The leaving date %(day)s is in the future: import the departure on or after that day.") % {"day": day}
        )
    return None


def apply_leaving(importer: Importer, people: list[tuple[object, date | None]]) -> int:
    """Apply leaving to each (person, day) — day None: today. Returns how many changed."""
    from fangxian.accounts.leavers import person_left
    from fangxian.accounts.models import User

    if not people:
        return 0
    staff_ids = [p.pk for p, _day in people if type(p).__name__ == "Staff"]
    student_ids = [p.pk for p, _day in people if type(p).__name__ == "Student"]
    assignments = Assignment.objects.filter(staff_id__in=staff_ids) | Assignment.objects.filter(student_id__in=student_ids)
    ends_before = dict(assignments.values_list("pk", "end_date"))
    user_ids = [p.user_id for p, _day in people if p.user_id]
    active_before = set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))
    by = importer.user if getattr(importer.user, "pk", None) else None
    changed = 0
    for person, day in people:
        result = person_left(person=person, on=day, by=by)
        changed += bool(result["account"] or result["assignments"] or result["tokens"])
    ends_after = dict(Assignment.objects.filter(pk__in=list(ends_before)).values_list("pk", "end_date"))
    importer.remember_changed(
        Assignment,
        [(pk, {"end_date": (ends_before[pk], end)}) for pk, end in ends_after.items() if end != ends_before[pk]],
    )
    still_active = set(User.objects.filter(pk__in=active_before, is_active=True).values_list("pk", flat=True))
    importer.remember_changed(User, [(pk, {"is_active": (True, False)}) for pk in sorted(active_before - still_active)])
    return changed
