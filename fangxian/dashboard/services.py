"""The dashboard's one action: a notice to the staff responsible for a student named in
the reconciliation. The notice itself is the notify app's; the dashboard writes nothing of
its own here."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from fangxian.gates import selectors as gates
from fangxian.notify.services import notify_users

from .reconcile import Named

NOTICE_KIND = "dashboard.reconcile"


@transaction.atomic
def notify_responsible(*, named: Named, day: date, by, url: str) -> list[str]:
    """Notify the student's one-to-one staff member (else their counselors); return their names."""
    staff = [s for s in gates.responsible_staff(named.student, day) if s.user_id]
    if not staff:
        return []
    student = named.student
    title = _("Headcount check: %(name)s (%(number)s)") % {"name": student.name, "number": student.student_number}
    body = _("%(day)s, %(class)s: %(reason)s. Please find out and update the ledger. Sent by %(by)s.") % {
        "day": day.isoformat(),
        "class": student.klass.name,
        "reason": named.reason_label,
        "by": by.get_full_name() or by.get_username(),
    }
    notify_users(users=[s.user for s in staff], kind=NOTICE_KIND, title=title, body=body, url=url)
    return [s.name for s in staff]
