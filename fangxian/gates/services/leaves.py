"""Leave applications: apply, decide (staff, then the college for an overnight leave), cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.models import Staff, Student

from .. import leave_notices
from ..models import LeaveApplication
from ..selectors import college_staff, responsible_staff


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
