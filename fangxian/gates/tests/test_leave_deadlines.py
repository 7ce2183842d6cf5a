"""Leave returns on the deadline engine: the overdue alert goes once to the responsible
staff, stops when the student is back or the leave is cancelled, and the leave shows in
the overdue list of those who may see it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.deadlines.models import Deadline
from fangxian.deadlines.services import tick
from fangxian.gates import services
from fangxian.gates.deadlines import KIND, alert_overdue_leaves
from fangxian.gates.models import GateAlert, LeaveApplication
from fangxian.notify.models import Notification

from .conftest import same_day_window


def approved_leave(world, student=None):
    starts, ends = same_day_window(after=timedelta(hours=1))
    leave = services.leave_apply(student=student or world.student, purpose="就医", destination="市医院", starts_at=starts, ends_at=ends)
    return services.leave_decide(leave=leave, staff=world.uni.counselor, approve=True)


def test_an_overdue_leave_is_alerted_once_through_the_engine(world, django_capture_on_commit_callbacks):
    leave = approved_leave(world)
    assert alert_overdue_leaves(leave.ends_at - timedelta(minutes=30)) == 0
    # The deadline exists ahead of time: its clock shows when the student is due back.
    deadline = Deadline.objects.get(kind=KIND, object_id=leave.pk)
    assert deadline.due_at == leave.ends_at and deadline.is_open
    later = leave.ends_at + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_overdue_leaves(later) == 1
        assert alert_overdue_leaves(later + timedelta(minutes=5)) == 0
        tick(now=later + timedelta(hours=3))  # the whole engine, later: nothing more
    alert = GateAlert.objects.get(kind=GateAlert.Kind.OVERDUE)
    assert alert.recipient == world.uni.counselor and alert.sent_at is not None and alert.leave == leave
    notice = Notification.objects.get(user=world.uni.counselor_user, kind="gates.overdue")
    assert world.student.name in notice.title and notice.url == "/gates/leave/"
    leave.refresh_from_db()
    assert leave.overdue_alerted_at == later


def test_no_alert_once_the_student_is_back_or_the_leave_is_cancelled(world):
    back = approved_leave(world)
    gone = approved_leave(world, world.uni.students[1])
    alert_overdue_leaves(back.ends_at - timedelta(minutes=30))  # planned
    LeaveApplication.objects.filter(pk=back.pk).update(returned_at=back.ends_at - timedelta(minutes=10))
    LeaveApplication.objects.filter(pk=gone.pk).update(status=LeaveApplication.Status.CANCELLED)
    assert alert_overdue_leaves(back.ends_at + timedelta(minutes=5)) == 0
    assert not GateAlert.objects.exists()
    assert Deadline.objects.filter(kind=KIND, done_at__isnull=False).count() == 2


def test_a_leave_alerted_before_the_engine_is_not_alerted_again(world):
    leave = approved_leave(world)
    LeaveApplication.objects.filter(pk=leave.pk).update(overdue_alerted_at=timezone.now())
    assert alert_overdue_leaves(leave.ends_at + timedelta(minutes=5)) == 0
    assert not Deadline.objects.filter(kind=KIND).exists() and not GateAlert.objects.exists()


def test_the_overdue_list_shows_the_leave_to_the_counselor_only(world, client):
    leave = approved_leave(world)
    now = timezone.now()
    LeaveApplication.objects.filter(pk=leave.pk).update(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(minutes=20))
    alert_overdue_leaves(timezone.now())
    client.force_login(world.uni.counselor_user)
    body = client.get(f"/deadlines/overdue/?kind={KIND}").content.decode()
    assert body.count('data-testid="overdue-row"') == 1 and world.student.name in body and "/gates/leave/" in body
    client.force_login(world.uni.other_counselor_user)
    assert 'data-testid="overdue-row"' not in client.get("/deadlines/overdue/").content.decode()
