from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from fangxian.org.models import AssignmentRole
from fangxian.org.testing import StaffFactory
from fangxian.testing import UserFactory

from .kinds import register_test_kind, unregister_test_kind


@pytest.fixture
def follow_up():
    """The test-only kind, registered for the test."""
    kind = register_test_kind()
    yield kind
    unregister_test_kind()


class Chain:
    """The mini university with a responsible leader for the college and one for the
    institution, and the prevention office."""

    def __init__(self, uni):
        self.uni = uni
        self.student = uni.students[0]
        self.leader_user = UserFactory(username="leader_college")
        self.leader = StaffFactory(unit=uni.college, name="包抓领导 王刚", user=self.leader_user)
        uni.assign(self.leader, AssignmentRole.LEADER, unit=uni.college, start_date=date(2022, 1, 1))
        self.top_user = UserFactory(username="leader_top")
        self.top = StaffFactory(unit=uni.institution, name="校领导 赵明", user=self.top_user)
        uni.assign(self.top, AssignmentRole.LEADER, unit=uni.institution, start_date=date(2022, 1, 1))
        self.office_user = UserFactory(username="office_chain", roles=("prevention_office",))
        self.due = timezone.now().replace(microsecond=0) + timezone.timedelta(hours=2)


@pytest.fixture
def chain(uni):
    return Chain(uni)
