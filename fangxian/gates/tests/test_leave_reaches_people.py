"""Leave that reaches people: the deciders are told of a new application, the student of
the decision; a student out on a running leave is no anomaly; the guard's verdict says
when the student must be back, and a wrong-campus refusal names the pass's campus."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from fangxian.gates import selectors, services
from fangxian.gates.models import Direction
from fangxian.gates.tests.conftest import same_day_window
from fangxian.notify.models import Notification


def _apply(world, starts, ends):
    return services.leave_apply(student=world.student, purpose="就医", destination="市医院", starts_at=starts, ends_at=ends)


def test_counselor_is_told_of_a_request_and_the_student_of_the_decision(world):
    starts, ends = same_day_window()
    leave = _apply(world, starts, ends)
    told = Notification.objects.get(kind="gates.leave_request")
    assert told.user == world.uni.counselor_user and world.student.name in told.title
    assert told.url == reverse("gates:leave_list") + f"#leave-{leave.pk}"

    services.leave_decide(leave=leave, staff=world.uni.counselor, approve=True)
    decision = Notification.objects.get(kind="gates.leave_decision")
    assert decision.user == world.student_user
    assert "已批准" in decision.title and f"{timezone.localtime(ends):%m-%d %H:%M}" in decision.title

    other = _apply(world, starts, ends)
    services.leave_decide(leave=other, staff=world.uni.counselor, approve=False, reason="当日有考试")
    rejected = Notification.objects.filter(kind="gates.leave_decision").order_by("-pk").first()
    assert "未批准" in rejected.title and rejected.body == "当日有考试"


def test_overnight_leave_tells_the_college_after_the_counselor(world):
    now = timezone.localtime()
    leave = _apply(world, now + timedelta(hours=1), now + timedelta(days=2))
    services.leave_decide(leave=leave, staff=world.uni.counselor, approve=True)
    college = Notification.objects.filter(kind="gates.leave_request", user=world.uni.college_admin_user)
    assert college.count() == 1
    assert not Notification.objects.filter(kind="gates.leave_decision").exists()  # not decided yet


def test_the_counselor_has_a_pending_leave_tile_even_at_zero(world, client):
    from fangxian.gates.home import gate_tiles

    tile = next(t for t in gate_tiles(world.uni.counselor_user) if t.url == reverse("gates:leave_list"))
    assert (tile.value, tile.tone) == (0, "success")
    starts, ends = same_day_window()
    _apply(world, starts, ends)
    tile = next(t for t in gate_tiles(world.uni.counselor_user) if t.url == reverse("gates:leave_list"))
    assert (tile.value, tile.tone) == (1, "warning")


def test_verdict_shows_return_time_and_the_campus_of_a_wrong_campus_pass(world):
    world.closed_management()
    starts, ends = same_day_window()
    leave = _apply(world, starts, ends)
    services.leave_decide(leave=leave, staff=world.uni.counselor, approve=True)
    _scan, outcome, _ = world.scan(world.pass_for(), direction=Direction.OUT)
    assert outcome.reason == "ok_leave" and outcome.detail == f"{timezone.localtime(ends):%m-%d %H:%M} 前返校"

    _scan, refused, _ = world.scan(world.pass_for(), gate=world.other_gate)
    assert refused.reason == "other_campus" and refused.detail == f"此通行码属于{world.campus.name}"


def test_a_student_on_running_leave_is_not_an_anomaly_on_the_campus_page(world, client):
    starts, ends = same_day_window()
    leave = _apply(world, starts, ends)
    services.leave_decide(leave=leave, staff=world.uni.counselor, approve=True)
    world.scan(world.pass_for(), direction=Direction.OUT)
    other = world.uni.students[1]
    world.scan(world.pass_for(other), direction=Direction.OUT)
    presence = selectors.presence(world.campus)
    assert [row["subject"] for row in presence.out_expected] == [f"S{other.pk}"]
    assert [(row["subject"], row["back_by"]) for row in presence.on_leave] == [(f"S{world.student.pk}", leave.ends_at)]
    client.force_login(world.guard_user)
    page = client.get(reverse("gates:campus", args=[world.campus.pk]))
    assert "已批准外出（不计入上述人数）" in page.text
