from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from fangxian.deadlines import services
from fangxian.deadlines.models import Deadline, SentStep
from fangxian.deadlines.registry import DeadlineKind, Step
from fangxian.notify.models import Notification
from fangxian.org.chain import chain as chain_of
from fangxian.org.chain import holders_above
from fangxian.org.models import Assignment, AssignmentRole, Student
from fangxian.org.testing import StaffFactory
from fangxian.testing import UserFactory

from .kinds import KIND

pytestmark = pytest.mark.django_db


def notes(user) -> list[str]:
    return list(Notification.objects.filter(user=user, kind__startswith=f"{KIND}.").order_by("pk").values_list("kind", flat=True))


def test_the_chain_above_a_student_runs_up_the_assignments(chain):
    uni = chain.uni
    links = chain_of(chain.student)
    assert [(link.role, link.staff) for link in links] == [
        (AssignmentRole.COUNSELOR, uni.counselor),  # on the grade
        (AssignmentRole.COLLEGE_ADMIN, uni.college_admin),  # on the college
        (AssignmentRole.LEADER, chain.leader),
        (AssignmentRole.LEADER, chain.top),  # on the institution
    ]
    # The nearest holder wins: the college's leader, not the institution's ...
    assert holders_above(chain.student, ["leader"]) == [chain.leader]
    # ... and a one-to-one staff member stands before the counselor.
    mentor = uni.assign(uni.other_counselor, AssignmentRole.ONE_TO_ONE, student=chain.student).staff
    assert holders_above(chain.student, ["one_to_one", "counselor"]) == [mentor]
    # Another college's student has nobody on this college's chain.
    assert holders_above(uni.other_students[0], ["college_admin"]) == []
    # At an earlier moment, an assignment not yet started does not count.
    Assignment.objects.filter(staff=chain.leader).update(start_date=timezone.localdate())
    assert holders_above(chain.student, ["leader"], at=timezone.now() - timedelta(days=3)) == [chain.top]


def test_the_chain_answers_at_a_moment_for_time_bound_assignments(chain):
    uni = chain.uni
    evening = timezone.localtime().replace(hour=20, minute=0, second=0, microsecond=0)
    night = StaffFactory(unit=uni.college, name="值班 陈", user=UserFactory(username="night1"))
    Assignment.objects.create(
        staff=night,
        role="college_admin",
        unit=uni.college,
        starts_at=evening,
        ends_at=evening + timedelta(hours=12),
        start_date=evening.date(),
        end_date=(evening + timedelta(hours=12)).date(),
    )
    at_night = holders_above(chain.student, ["college_admin"], at=evening + timedelta(hours=3))
    in_the_afternoon = holders_above(chain.student, ["college_admin"], at=evening - timedelta(hours=4))
    assert night in at_night and night not in in_the_afternoon and uni.college_admin in in_the_afternoon


def test_the_chain_above_a_place_ends_with_the_institution(chain):
    uni = chain.uni
    manager = StaffFactory(unit=uni.institution, name="楼长 钱", user=UserFactory(username="bm1"))
    uni.assign(manager, "building_manager", place=uni.building)
    assert holders_above(uni.beds[0], ["building_manager", "leader"]) == [manager]
    assert holders_above(uni.beds[0], ["leader"]) == [chain.top]


def test_steps_are_sent_in_order_each_once_along_the_chain(chain, follow_up):
    uni, due = chain.uni, chain.due
    services.set_deadline(chain.student, KIND, due)
    assert services.tick(now=due - timedelta(hours=2), kinds=[KIND])[KIND] == {"remind": 0, "college": 0, "leader": 0, "office": 0}
    for minutes in (-50, -40):
        services.tick(now=due + timedelta(minutes=minutes), kinds=[KIND])
    assert notes(uni.counselor_user) == [f"{KIND}.remind"]
    assert notes(uni.college_admin_user) == []
    services.tick(now=due + timedelta(minutes=5), kinds=[KIND])
    services.tick(now=due + timedelta(minutes=6), kinds=[KIND])
    assert notes(uni.college_admin_user) == [f"{KIND}.college"]
    services.tick(now=due + timedelta(hours=2, minutes=1), kinds=[KIND])
    assert notes(chain.leader_user) == [f"{KIND}.leader"] and notes(chain.top_user) == []
    services.tick(now=due + timedelta(hours=5), kinds=[KIND])
    services.tick(now=due + timedelta(hours=6), kinds=[KIND])
    assert notes(chain.office_user) == [f"{KIND}.office"]
    assert notes(uni.counselor_user) == [f"{KIND}.remind"]  # nobody is told twice
    deadline = Deadline.objects.get()
    # Every step is out; the tick looks again later whether the student is done.
    assert deadline.steps_sent == 4 and deadline.next_step_at == due + timedelta(hours=6) + services.RECHECK
    assert list(deadline.sent_steps.values_list("step", "recipients")) == [("remind", 1), ("college", 1), ("leader", 1), ("office", 1)]
    note = Notification.objects.get(user=chain.leader_user)
    assert chain.student.name in note.title and note.url == f"/org/students/{chain.student.pk}/"


def test_an_object_done_after_the_last_step_is_noticed_by_a_later_tick(chain, follow_up):
    services.set_deadline(chain.student, KIND, chain.due)
    at = chain.due + timedelta(hours=5)
    services.tick(now=at, kinds=[KIND])
    Student.objects.filter(pk=chain.student.pk).update(status=Student.Status.GRADUATED)
    services.tick(now=at + timedelta(minutes=1), kinds=[KIND])
    assert Deadline.objects.get().is_open  # not looked at again yet
    services.tick(now=at + services.RECHECK, kinds=[KIND])
    deadline = Deadline.objects.get()
    assert deadline.done_at == at + services.RECHECK and deadline.next_step_at is None
    assert list(deadline.sent_steps.values_list("step", flat=True)) == ["office"]


def test_a_late_tick_sends_only_the_latest_step(chain, follow_up):
    services.set_deadline(chain.student, KIND, chain.due)
    assert services.tick(now=chain.due + timedelta(hours=3), kinds=[KIND])[KIND] == {"remind": 0, "college": 0, "leader": 1, "office": 0}
    assert notes(chain.uni.counselor_user) == [] and notes(chain.leader_user) == [f"{KIND}.leader"]


def test_steps_stop_when_the_object_is_done(chain, follow_up):
    uni, due = chain.uni, chain.due
    services.set_deadline(chain.student, KIND, due)
    services.tick(now=due - timedelta(minutes=30), kinds=[KIND])
    assert notes(uni.counselor_user) == [f"{KIND}.remind"]
    Student.objects.filter(pk=chain.student.pk).update(status=Student.Status.WITHDRAWN)
    for hours in (1, 3, 5):
        assert sum(services.tick(now=due + timedelta(hours=hours), kinds=[KIND])[KIND].values()) == 0
    assert notes(uni.college_admin_user) == [] and notes(chain.leader_user) == [] and notes(chain.office_user) == []
    deadline = Deadline.objects.get()
    assert deadline.done_at is not None and not deadline.is_open
    assert list(deadline.sent_steps.values_list("step", flat=True)) == ["remind"]


def test_closed_and_cancelled_deadlines_send_nothing_and_a_moved_one_starts_again(chain, follow_up):
    uni, due = chain.uni, chain.due
    other = uni.students[1]
    services.set_deadline(chain.student, KIND, due)
    services.set_deadline(other, KIND, due)
    assert services.close(chain.student, KIND) == 1
    assert services.cancel(other, KIND) == 1
    assert sum(services.tick(now=due + timedelta(hours=5), kinds=[KIND])[KIND].values()) == 0
    # Set again with a later due time: open again, and its steps run for the new time.
    services.set_deadline(chain.student, KIND, due)
    services.tick(now=due - timedelta(minutes=30), kinds=[KIND])
    later = due + timedelta(days=1)
    services.set_deadline(chain.student, KIND, later)
    services.tick(now=later - timedelta(minutes=30), kinds=[KIND])
    assert notes(uni.counselor_user) == [f"{KIND}.remind", f"{KIND}.remind"]
    assert SentStep.objects.filter(deadline__object_id=chain.student.pk).count() == 2


def test_kinds_check_their_steps():
    def nobody(deadline):
        return []

    with pytest.raises(ValueError):
        Step("x", "x")  # neither recipients nor a delivery
    common = {
        "label": "k",
        "model": Student,
        "is_done": bool,
        "visible": bool,
        "url": str,
        "message": str,
    }
    with pytest.raises(ValueError):
        DeadlineKind(key="k", steps=[Step("a", "a", timedelta(0), to=nobody), Step("a", "b", timedelta(1), to=nobody)], **common)
    with pytest.raises(ValueError):
        DeadlineKind(key="k", steps=[Step("a", "a", timedelta(hours=1), to=nobody), Step("b", "b", timedelta(0), to=nobody)], **common)


def test_the_clock_shows_due_time_left_and_next_step(chain, follow_up, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    services.set_deadline(chain.student, KIND, chain.due)
    html = Template("{% load deadlines %}{% deadline_clock student %}").render(Context({"student": chain.student}))
    local_due = timezone.localtime(chain.due)
    assert 'data-state="open"' in html and f"{local_due:%Y-%m-%d %H:%M}" in html
    assert "剩余" in html and "提醒辅导员" in html and "学生跟进" in html
    services.tick(now=chain.due + timedelta(minutes=5), kinds=[KIND])  # escalated to the college (the reminder was missed)
    Deadline.objects.update(due_at=timezone.now() - timedelta(hours=1, minutes=10))
    html = Template("{% load deadlines %}{% deadline_clock student %}").render(Context({"student": chain.student}))
    assert 'data-state="overdue"' in html and "已逾期 1小时10分钟" in html
    assert "上报学院" in html and "上报包抓领导" in html  # sent, and next
    # Done: the clock says so and shows no next step.
    services.close(chain.student, KIND)
    html = Template("{% load deadlines %}{% deadline_clock student %}").render(Context({"student": chain.student}))
    assert 'data-state="done"' in html and "已完成" in html and "下一步" not in html


def test_the_overdue_list_shows_what_the_user_may_see(chain, follow_up, client, make_user, verified_client):
    uni = chain.uni
    past = timezone.now() - timedelta(hours=1)
    services.set_deadline(chain.student, KIND, past)
    services.set_deadline(uni.other_students[0], KIND, past)
    services.set_deadline(uni.students[1], KIND, timezone.now() + timedelta(hours=1))  # not yet due
    client.force_login(uni.counselor_user)
    page = client.get("/deadlines/overdue/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('data-testid="overdue-row"') == 1 and chain.student.name in body
    assert uni.other_students[0].name not in body
    # The office sees both overdue ones, filtered by kind too.
    office = verified_client(make_user("office_list", "prevention_office"))
    body = office.get(f"/deadlines/overdue/?kind={KIND}").content.decode()
    assert body.count('data-testid="overdue-row"') == 2
    # A student finished since the last tick drops out (the app has the last word on done).
    Student.objects.filter(pk=chain.student.pk).update(status=Student.Status.GRADUATED)
    client.force_login(uni.counselor_user)
    assert 'data-testid="overdue-row"' not in client.get("/deadlines/overdue/").content.decode()
    assert Deadline.objects.get(object_id=chain.student.pk).done_at is not None
    # Students have no overdue list.
    client.force_login(uni.student_user)
    assert client.get("/deadlines/overdue/").status_code == 403


def test_set_deadline_twice_keeps_one_row(chain, follow_up):
    first = services.set_deadline(chain.student, KIND, chain.due)
    again = services.set_deadline(chain.student, KIND, chain.due, data={"note": "x"})
    assert first.pk == again.pk and Deadline.objects.count() == 1 and again.data == {"note": "x"}
    assert services.set_deadline(chain.student, KIND, chain.due, key="second").pk != first.pk


def test_the_home_page_counts_overdue_items(chain, follow_up, client):
    services.set_deadline(chain.student, KIND, timezone.now() - timedelta(minutes=5))
    client.force_login(chain.uni.counselor_user)
    body = client.get("/").content.decode()
    assert 'data-tile="overdue"' in body and "逾期事项" in body and "/deadlines/overdue/" in body
    client.force_login(chain.uni.other_counselor_user)  # nothing overdue in their scope: no tile
    body = client.get("/").content.decode()
    assert 'data-tile="overdue"' not in body
    assert 'data-nav="overdue"' in body  # the menu entry stays: the list itself says "nothing overdue"


def test_the_periodic_tick_runs_the_other_kinds_when_one_fails(chain, follow_up):
    from fangxian.deadlines.registry import register, unregister

    def broken(now):
        raise RuntimeError("planner down")

    register(
        DeadlineKind(
            key="tests.broken",
            label="坏",
            model=Student,
            steps=follow_up.steps,
            is_done=bool,
            visible=bool,
            url=str,
            message=str,
            plan=broken,
        )
    )
    try:
        services.set_deadline(chain.student, KIND, chain.due)
        result = services.tick(now=chain.due + timedelta(minutes=1), kinds=["tests.broken", KIND], isolate=True)
        assert result["tests.broken"] == {} and result[KIND]["college"] == 1
        with pytest.raises(RuntimeError):
            services.tick(now=chain.due + timedelta(minutes=2), kinds=["tests.broken"])
    finally:
        unregister("tests.broken")
