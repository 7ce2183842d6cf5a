from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.hazards import services
from fangxian.hazards.models import Checklist
from fangxian.org.models import AssignmentRole
from fangxian.org.testing import MiniUniversity, PlaceFactory, StaffFactory, UnitFactory, make_image
from fangxian.testing import UserFactory


class HazardWorld:
    """The mini university with two buildings and their labs: 实验楼 (labs 101, 102, owned by
    the lab-management office's 王工) and the dormitory 1号公寓 (its manager 楼长 赵敏); a
    hazard inspector of the campus with an account; the default checklists; a leader
    (包抓领导) of the lab-management office; a second campus with a lab nobody here sees."""

    def __init__(self, uni: MiniUniversity, make_user):
        self.uni = uni
        inst = uni.institution
        self.campus = uni.campus
        self.lab_building = PlaceFactory(kind="building", name="实验楼", parent=self.campus, institution=inst, use="teaching")
        self.lab1 = PlaceFactory(kind="room", name="101 化学实验室", parent=self.lab_building, institution=inst, use="lab")
        self.lab2 = PlaceFactory(kind="room", name="102 物理实验室", parent=self.lab_building, institution=inst, use="lab")
        self.dorm = uni.building
        self.other_campus = PlaceFactory(kind="campus", name="医学校区", institution=inst)
        self.other_building = PlaceFactory(kind="building", name="医学实验楼", parent=self.other_campus, institution=inst, use="teaching")
        self.other_lab = PlaceFactory(kind="room", name="201 病理实验室", parent=self.other_building, institution=inst, use="lab")
        self.lab_office = UnitFactory(kind="department", name="实验室与设备管理处", parent=inst)
        self.inspector_user = UserFactory(username="safety1", full_name="检查员 张安")
        self.inspector = StaffFactory(unit=uni.security_office, name="检查员 张安", user=self.inspector_user)
        uni.assign(self.inspector, "hazard_inspector", place=self.campus)
        self.owner_user = UserFactory(username="labowner1", full_name="王工")
        self.owner = StaffFactory(unit=self.lab_office, name="实验室负责人 王工", user=self.owner_user)
        uni.assign(self.owner, AssignmentRole.LAB_SAFETY, place=self.lab_building)
        self.manager_user = UserFactory(username="manager1")
        self.manager = StaffFactory(unit=uni.security_office, name="楼长 赵敏", user=self.manager_user)
        uni.assign(self.manager, AssignmentRole.BUILDING_MANAGER, place=self.dorm)
        self.leader_user = UserFactory(username="lableader1")
        self.leader = StaffFactory(unit=self.lab_office, name="包抓领导 李校长", user=self.leader_user)
        uni.assign(self.leader, AssignmentRole.LEADER, unit=self.lab_office)
        self.office = make_user("office-hz", "prevention_office")
        services.load_default_checklists(user=None)
        self.versions = {c.code: c.current for c in Checklist.objects.all()}

    def campaign(self, **overrides):
        today = timezone.localdate()
        fields = {
            "user": None,
            "name": "暑假前校园安全隐患大排查",
            "starts_on": today - timedelta(days=1),
            "ends_on": today + timedelta(days=10),
            "lab_version": self.versions["lab"],
            "dorm_version": self.versions["dorm"],
            "buildings": [self.lab_building, self.dorm],
        }
        fields.update(overrides)
        return services.create_campaign(**fields)

    def cp(self, campaign, place):
        return campaign.places.get(place=place)

    def answers(self, cp, fails=(), level="general"):
        """Every item answered: pass, except the positions in `fails`."""
        rows = []
        for item in cp.version.items.order_by("position"):
            failed = item.position in fails
            rows.append(
                {
                    "item": item.pk,
                    "result": "fail" if failed else "pass",
                    "level": level if failed else "",
                    "note": "未固定" if failed else "",
                }
            )
        return rows


@pytest.fixture
def hz(uni, make_user, media_root) -> HazardWorld:
    return HazardWorld(uni, make_user)


@pytest.fixture
def jpeg() -> bytes:
    return make_image((400, 300))
