"""The duty app's test cast: the mini university with a college roster and people on it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from fangxian.org.models import Assignment, AssignmentRole
from fangxian.org.testing import StaffFactory
from fangxian.testing import UserFactory


class DutyWorld:
    def __init__(self, uni, office):
        from fangxian.duty import services

        self.uni = uni
        self.office = office
        self.roster = services.roster_save(unit=uni.college, by=None)
        self.school = services.roster_save(unit=uni.institution, by=None)
        self.dean_user = UserFactory(username="dean1")
        self.dean = StaffFactory(unit=uni.college, name="院长 王明", user=self.dean_user)
        self.staff_user = UserFactory(username="dutystaff1")
        self.staff = StaffFactory(unit=uni.college, name="值班员 李娜", user=self.staff_user, phone="13800001111")
        self.staff2_user = UserFactory(username="dutystaff2")
        self.staff2 = StaffFactory(unit=uni.college, name="值班员 赵磊", user=self.staff2_user)
        self.outsider = StaffFactory(unit=uni.other_college, name="外院 钱进")

    def day(self, offset: int = 0) -> date:
        return timezone.localdate() + timedelta(days=offset)


@pytest.fixture
def duty(uni, office) -> DutyWorld:
    return DutyWorld(uni, office)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


__all__ = ["Assignment", "AssignmentRole", "DutyWorld", "at"]
