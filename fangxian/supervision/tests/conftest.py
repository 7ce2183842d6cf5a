"""The mini university with the people of a supervision: discipline inspection, a school
leader, the office, and the medical college's responsible leader (包抓领导)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.accounts.roles import Role
from fangxian.org.models import AssignmentRole
from fangxian.org.testing import StaffFactory
from fangxian.reports.models import ReportForm
from fangxian.reports.tests.conftest import ensure_shipped_forms
from fangxian.testing import UserFactory


class Desk:
    def __init__(self, uni):
        ensure_shipped_forms()
        self.uni = uni
        self.form = ReportForm.objects.get(code="college-daily")
        self.inspector = UserFactory(username="inspector1", roles=[Role.DISCIPLINE])
        self.leader = UserFactory(username="leader1", roles=[Role.LEADER])
        self.office = UserFactory(username="office1", roles=[Role.PREVENTION_OFFICE])
        self.college_leader_user = UserFactory(username="baozhua1")
        self.college_leader = StaffFactory(unit=uni.college, name="包抓领导 王刚", user=self.college_leader_user)
        uni.assign(self.college_leader, AssignmentRole.LEADER, unit=uni.college)

    def due(self, days: int = 3):
        return timezone.now() + timedelta(days=days)


@pytest.fixture
def desk(uni) -> Desk:
    return Desk(uni)
