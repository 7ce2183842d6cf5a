from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangxian.duty import selectors, services
from fangxian.duty.models import Post, Swap, Unavailability
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from fangxian.org.coverage import coverage_report
from fangxian.org.models import Assignment
from fangxian.org.scope import scope_of


def test_gaps_list_the_next_14_days(duty, verified_client):
    start = duty.day(0)
    services.rotation_fill(
        roster=duty.roster,
        start=start,
        end=start + timedelta(days=13),
        leaders=[duty.dean],
        staff=[duty.staff, duty.staff2],
        by=duty.office,
    )
    # Planted: a shift without staff, and the same person on duty twice at once (an
    # assignment written around the roster).
    Post.objects.filter(shift__roster=duty.roster, shift__day=start + timedelta(days=2), shift__slot=0, role=DUTY_STAFF_KEY).delete()
    twice = Post.objects.filter(shift__roster=duty.roster, shift__day=start + timedelta(days=4), role=DUTY_STAFF_KEY).first()
    Assignment.objects.create(
        staff=twice.staff, role=DUTY_STAFF_KEY, unit=duty.uni.institution, starts_at=twice.shift.starts_at, ends_at=twice.shift.ends_at
    )
    gaps = selectors.gaps(duty.office, start=start)
    assert [(e.roster, e.day, e.slot, e.missing_leader) for e in gaps.empty if e.roster == duty.roster] == [
        (duty.roster, start + timedelta(days=2), 0, False)
    ]
    assert [(t[0], t[1].starts_at) for t in gaps.twice] == [(twice.staff, twice.shift.starts_at)]
    assert duty.uni.other_college in gaps.without_roster
    # The school's roster is empty: every one of its shifts is a gap.
    assert sum(1 for e in gaps.empty if e.roster == duty.school) == 28
    # The college admin sees their college's gaps only.
    mine = selectors.gaps(duty.uni.college_admin_user, start=start)
    assert {e.roster for e in mine.empty} == {duty.roster} and mine.without_roster == []
    page = verified_client(duty.office).get(reverse("duty:gaps"))
    assert page.status_code == 200 and duty.uni.other_college.name in page.content.decode()


def test_approved_duty_leave_is_a_gap(duty, client):
    day = duty.day(3)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    leave = services.leave_ask(user=duty.staff_user, start_date=day, end_date=day, reason="培训")
    assert selectors.gaps(duty.office).on_leave == []
    with pytest.raises(Exception):  # noqa: B017  (a colleague is no unit admin: 403)
        services.leave_decide(leave=leave, user=duty.staff2_user, approve=True)
    services.leave_decide(leave=leave, user=duty.uni.college_admin_user, approve=True)
    assert [(p.staff, item.pk) for p, item in selectors.gaps(duty.office).on_leave] == [(duty.staff, leave.pk)]
    # And a new post on that day is refused.
    with pytest.raises(ValidationError) as exc:
        services.post_add(roster=duty.roster, day=day, slot=1, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    assert "请假" in str(exc.value)
    assert Unavailability.objects.get().status == "approved"


def test_coverage_has_days_without_a_leader_on_duty(duty):
    start = duty.day(0)
    services.rotation_fill(
        roster=duty.school, start=start, end=start + timedelta(days=5), leaders=[duty.dean], staff=[duty.staff], by=duty.office
    )
    report = coverage_report(day=start, scope=scope_of(duty.office))
    days = [gap.day for gap in report.results["duty_leader"].gaps]
    # The night shift of the sixth day ends at 08:00 on the seventh: that day has a leader too.
    assert days == [start + timedelta(days=n) for n in range(7, 14)]


def test_swap_ask_accept_approve(duty, client):
    day = duty.day(5)
    post = services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    with pytest.raises(ValidationError) as exc:
        services.swap_ask(post=post, colleague=duty.staff, user=duty.staff_user)
    assert "自己" in str(exc.value)
    with pytest.raises(ValidationError):
        services.swap_ask(post=post, colleague=duty.outsider, user=duty.staff_user)
    assert not Swap.objects.exists()
    swap = services.swap_ask(post=post, colleague=duty.staff2, user=duty.staff_user, reason="出差")
    with pytest.raises(ValidationError):
        services.swap_decide(swap=swap, user=duty.uni.college_admin_user, approve=True)  # not accepted yet
    services.swap_answer(swap=swap, user=duty.staff2_user, accept=True)
    client.force_login(duty.uni.college_admin_user)
    assert client.post(reverse("duty:swap_act", args=[swap.pk]), {"action": "approve"}).status_code == 302
    swap.refresh_from_db()
    assert swap.status == Swap.Status.APPROVED and swap.decided_by == duty.uni.college_admin_user
    assert list(Post.objects.filter(shift__day=day).values_list("staff_id", flat=True)) == [duty.staff2.pk]
    assert Assignment.objects.filter(staff=duty.staff, role=DUTY_STAFF_KEY).count() == 0
    assert Assignment.objects.filter(staff=duty.staff2, role=DUTY_STAFF_KEY).count() == 1


def test_swap_with_oneself_from_the_page(duty, client):
    post = services.post_add(roster=duty.roster, day=duty.day(5), slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    client.force_login(duty.staff_user)
    page = client.post(reverse("duty:swaps"), {"post": post.pk, "colleague": duty.staff.name})
    assert page.status_code == 200 and "不能与自己换班" in page.content.decode()
    assert not Swap.objects.exists()
    assert selectors.my_posts(duty.staff_user).count() == 1
    assert DUTY_LEADER_KEY != DUTY_STAFF_KEY


def test_gaps_take_the_same_queries_for_more_rosters_and_people(duty, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangxian.org.testing import StaffFactory, UnitFactory

    start = duty.day(0)

    def plant(roster, leader, staff):
        """Two weeks filled, the person on duty also on the school's roster once (twice at
        once), and on approved duty leave one day (every query of the list runs)."""
        end = start + timedelta(days=13)
        services.rotation_fill(roster=roster, start=start, end=end, leaders=[leader], staff=[staff], by=duty.office)
        post = Post.objects.filter(shift__roster=roster, shift__day=start + timedelta(days=3), staff=staff).first()
        Assignment.objects.create(
            staff=staff, role=DUTY_STAFF_KEY, unit=duty.uni.institution, starts_at=post.shift.starts_at, ends_at=post.shift.ends_at
        )
        day = start + timedelta(days=5)
        Unavailability.objects.create(staff=staff, start_date=day, end_date=day, reason="培训", status=Unavailability.Status.APPROVED)

    plant(duty.roster, duty.dean, duty.staff)
    with CaptureQueriesContext(connection) as one:
        gaps = selectors.gaps(duty.office, start=start)
    assert [t[0] for t in gaps.twice] == [duty.staff] and {p.staff for p, _leave in gaps.on_leave} == {duty.staff}
    for n in range(4):
        unit = UnitFactory(kind="department", name=f"部门{n}", parent=duty.uni.institution)
        roster = services.roster_save(unit=unit, by=None)
        plant(roster, StaffFactory(unit=unit), StaffFactory(unit=unit))
    with django_assert_max_num_queries(len(one)):
        gaps = selectors.gaps(duty.office, start=start)
    assert len(gaps.twice) == 5 and len({p.staff for p, _leave in gaps.on_leave}) == 5
    assert len(one) <= 8
