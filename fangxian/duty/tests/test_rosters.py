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
