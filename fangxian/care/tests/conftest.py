"""The care world: the mini university with one-to-one staff, the psychological centre, the
logistics office, a canteen with its manager, the affiliated hospital with its fever clinic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from fangxian.care import access
from fangxian.care.models import Canteen
from fangxian.org.models import AssignmentRole, Place, Unit
from fangxian.org.testing import StaffFactory, UnitFactory
from fangxian.testing import UserFactory


class CareWorld:
    def __init__(self, uni):
        self.uni = uni
        self.today = timezone.localdate()
        start = date(2022, 1, 1)
        # The counselor is the one-to-one staff of the first two students of 医学院.
        for student in uni.students[:2]:
            uni.assign(uni.counselor, AssignmentRole.ONE_TO_ONE, student=student, start_date=start)
        affairs = UnitFactory(kind="department", name="学生工作部", parent=uni.institution)
        self.psych_user = UserFactory(username="psych1")
        self.psych = StaffFactory(unit=affairs, name="心理中心 王老师", user=self.psych_user)
        uni.assign(self.psych, access.PSYCH_COUNSELLOR, unit=affairs, start_date=start)
        logistics = UnitFactory(kind="department", name="后勤管理处", code="logistics", parent=uni.institution)
        self.logistics_user = UserFactory(username="logistics1")
        self.logistics = StaffFactory(unit=logistics, name="后勤 李处长", user=self.logistics_user)
        uni.assign(self.logistics, access.LOGISTICS, unit=logistics, start_date=start)
        building = Place.objects.create(kind="building", use="other", name="第一食堂", parent=uni.campus, institution=uni.institution)
        other_building = Place.objects.create(kind="building", use="other", name="第二食堂", parent=uni.campus, institution=uni.institution)
        self.canteen = Canteen.objects.create(institution=uni.institution, place=building, campus=uni.campus, name="第一食堂")
        self.other_canteen = Canteen.objects.create(
            institution=uni.institution, place=other_building, campus=uni.campus, name="第二食堂", sort_order=1
        )
        self.canteen_user = UserFactory(username="canteen1")
        self.canteen_manager = StaffFactory(unit=logistics, name="食堂 赵经理", user=self.canteen_user)
        uni.assign(self.canteen_manager, access.CANTEEN_MANAGER, place=building, start_date=start)
        self.hospital = Unit.objects.create(kind="hospital", name="附属医院", code="hospital", parent=uni.institution)
        self.clinic_user = UserFactory(username="clinic1")
        self.clinic = StaffFactory(unit=self.hospital, name="发热门诊 陈医生", user=self.clinic_user)
        uni.assign(self.clinic, access.FEVER_CLINIC, unit=self.hospital, start_date=start)

    def days_ago(self, n: int) -> date:
        return self.today - timedelta(days=n)


@pytest.fixture
def care(uni) -> CareWorld:
    return CareWorld(uni)
