from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangxian.duty import services
from fangxian.duty.models import Post, Roster, Shift
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from fangxian.org.chain import holders_above
from fangxian.org.models import Assignment
from fangxian.org.registry import assignment_role

from .conftest import at


def test_roles_are_registered():
    leader, staff = assignment_role(DUTY_LEADER_KEY), assignment_role(DUTY_STAFF_KEY)
    assert str(leader.label) and str(staff.label)
    assert leader.unit_kinds == staff.unit_kinds == ("institution", "college", "department", "hospital")


def test_a_post_is_an_assignment_bound_to_the_shift(duty):
    day = duty.day(1)
    post = services.post_add(roster=duty.roster, day=day, slot=1, staff=duty.dean, role=DUTY_LEADER_KEY, by=duty.office)
    a = post.assignment
    assert (a.role, a.unit, a.staff) == (DUTY_LEADER_KEY, duty.uni.college, duty.dean)
    assert (a.starts_at, a.ends_at) == (at(day, 20), at(day + timedelta(days=1), 8))
    assert (a.start_date, a.end_date) == (day, day + timedelta(days=1))
    # The leader on duty, for anything in the college, at 23:00 but not at 09:00.
    assert holders_above(duty.uni.klass, [DUTY_LEADER_KEY], at=at(day, 23)) == [duty.dean]
    assert holders_above(duty.uni.klass, [DUTY_LEADER_KEY], at=at(day, 9)) == []


def test_hand_edit_refuses_person_outside_unit_and_overlaps(duty):
    day = duty.day(2)
    with pytest.raises(ValidationError) as exc:
        services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.outsider, role=DUTY_STAFF_KEY, by=duty.office)
    assert "不在" in str(exc.value) or "医学院" in str(exc.value)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    # The same person on the school's 24 h... day shift of the school overlaps.
    with pytest.raises(ValidationError) as exc:
        services.post_add(roster=duty.school, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    assert "值班" in str(exc.value)
    assert Post.objects.filter(shift__roster=duty.school).count() == 0
    assert Assignment.objects.filter(unit=duty.uni.institution).count() == 0


def test_rotation_fill_is_all_or_nothing(duty):
    start = duty.day(1)
    end = start + timedelta(days=6)
    n = services.rotation_fill(
        roster=duty.roster, start=start, end=end, leaders=[duty.dean], staff=[duty.staff, duty.staff2], by=duty.office
    )
    assert n == 7 * 2 * 2  # a leader and one member of staff per shift, two shifts a day
    assert Shift.objects.filter(roster=duty.roster).count() == 14
    before = Post.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.rotation_fill(
            roster=duty.roster, start=start, end=end, leaders=[duty.dean], staff=[duty.staff, duty.outsider], by=duty.office
        )
    assert duty.outsider.name in str(exc.value)
    assert Post.objects.count() == before


def test_a_long_fill_takes_the_queries_of_a_short_one(duty, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fill = {"roster": duty.roster, "leaders": [duty.dean], "staff": [duty.staff, duty.staff2], "by": duty.office}
    with CaptureQueriesContext(connection) as week:
        services.rotation_fill(start=duty.day(1), end=duty.day(7), **fill)
    with django_assert_max_num_queries(len(week)):
        assert services.rotation_fill(start=duty.day(8), end=duty.day(127), **fill) == 120 * 2 * 2
    # Planned again over some of those days (with the people the other way round): the posts
    # there are replaced.
    swapped = {**fill, "staff": [duty.staff2, duty.staff]}
    assert services.rotation_fill(start=duty.day(100), end=duty.day(127), **swapped) == 28 * 2 * 2
    posts = list(Post.objects.filter(shift__roster=duty.roster).select_related("shift", "assignment"))
    assert len(posts) == 127 * 2 * 2
    assert Assignment.objects.filter(unit=duty.uni.college, role__in=[DUTY_LEADER_KEY, DUTY_STAFF_KEY]).count() == len(posts)
    for post in posts:
        a, shift = post.assignment, post.shift
        # Each post is its assignment, bound to the shift's window, on the local days it touches.
        assert (a.staff_id, a.role, a.unit_id, a.created_by) == (post.staff_id, post.role, duty.uni.college.pk, duty.office)
        assert (a.starts_at, a.ends_at) == (shift.starts_at, shift.ends_at) == duty.roster.window(shift.day, shift.slot)
        assert (a.start_date, a.end_date) == (shift.day, shift.day + timedelta(days=shift.slot))
        assert (post.checked_in_at, post.checked_out_at, post.handover_note) == (None, None, "")
        assert post.phone == ("13800001111" if post.staff == duty.staff else post.staff.phone)
    # What org reads: the leader on duty for anything in the college, during a night shift.
    night = duty.day(100)
    assert holders_above(duty.uni.klass, [DUTY_LEADER_KEY], at=at(night, 23)) == [duty.dean]


def test_the_plan_names_each_person_on_duty_twice(duty):
    # Hand-planned posts overlapping among themselves and with a post already there.
    services.post_add(roster=duty.school, day=duty.day(5), slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    planned = [
        services.PlannedPost(duty.day(5), 0, duty.staff, DUTY_STAFF_KEY, where="第 2 行"),
        services.PlannedPost(duty.day(6), 1, duty.staff2, DUTY_STAFF_KEY, where="第 3 行"),
        services.PlannedPost(duty.day(6), 1, duty.staff2, DUTY_LEADER_KEY, where="第 4 行"),
    ]
    problems = services.check_plan(duty.roster, planned)
    assert len(problems) == 2
    assert problems[0].startswith("第 2 行") and duty.uni.institution.name in problems[0]
    assert problems[1].startswith("第 4 行") and "第 3 行" in problems[1]


def test_roster_page_and_scope(duty, client, verified_client):
    services.post_add(roster=duty.roster, day=duty.day(0), slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    page = verified_client(duty.office).get(reverse("duty:roster", args=[duty.roster.pk]))
    assert page.status_code == 200
    assert duty.staff.name in page.content.decode()
    assert "13800001111" in page.content.decode()
    client.force_login(duty.uni.other_counselor_user)
    assert client.get(reverse("duty:roster", args=[duty.roster.pk])).status_code == 404
    # The person on duty sees the roster they are on.
    client.force_login(duty.staff_user)
    assert client.get(reverse("duty:roster", args=[duty.roster.pk])).status_code == 200


def test_roster_settings_created_by_the_college(duty, client):
    client.force_login(duty.uni.college_admin_user)
    Roster.objects.filter(unit=duty.uni.college).delete()
    response = client.post(
        reverse("duty:roster_settings", args=[duty.uni.college.pk]),
        {"pattern": "full_day", "day_starts": "08:30", "check_in_minutes": "20", "staff_needed": "2"},
    )
    assert response.status_code == 302
    roster = Roster.objects.get(unit=duty.uni.college)
    assert (roster.pattern, roster.check_in_minutes, roster.staff_needed) == ("full_day", 20, 2)
    # Not the school's roster.
    assert client.get(reverse("duty:roster_settings", args=[duty.uni.institution.pk])).status_code == 404
