"""The cast of the incident tests, on the mini university: the office, a member of the
security office on duty now (值班人员), the college's leader on duty (带班领导 on 医学院), the
school's leader on duty (带班领导 on the institution), and a counselor who is not on duty.

Duty posts are org assignments with the duty roster's role keys and a time window, created
here as the duty app creates them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.org.models import Assignment
from fangxian.org.testing import StaffFactory
from fangxian.testing import UserFactory


def on_duty(staff, role: str, **target) -> Assignment:
    now = timezone.now()
    starts, ends = now - timedelta(hours=2), now + timedelta(hours=10)
    return Assignment.objects.create(
        staff=staff,
        role=role,
        start_date=timezone.localdate(starts),
        end_date=timezone.localdate(ends),
        starts_at=starts,
        ends_at=ends,
        **target,
    )


class Cast:
    def __init__(self, uni, make_user):
        self.uni = uni
        self.office = make_user("office1", "prevention_office")
        self.duty_user = UserFactory(username="duty1")
        self.duty_staff = StaffFactory(unit=uni.security_office, name="值班员 李明", user=self.duty_user, phone="13800001234")
        on_duty(self.duty_staff, "duty_staff", unit=uni.security_office)
        self.leader_user = UserFactory(username="dutyleader1")
        self.leader = StaffFactory(unit=uni.college, name="带班领导 王刚", user=self.leader_user)
        on_duty(self.leader, "duty_leader", unit=uni.college)
        self.school_leader_user = UserFactory(username="schoolleader1")
        self.school_leader = StaffFactory(unit=uni.institution, name="校领导 陈华", user=self.school_leader_user)
        on_duty(self.school_leader, "duty_leader", unit=uni.institution)


@pytest.fixture
def cast(uni, make_user, media_root) -> Cast:
    return Cast(uni, make_user)
