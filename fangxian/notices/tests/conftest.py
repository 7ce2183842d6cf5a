from __future__ import annotations

from datetime import date

import pytest

from fangxian.notices import services
from fangxian.notices.access import PUBLICITY_OFFICER
from fangxian.notices.models import AudienceKind
from fangxian.org.testing import MiniUniversity, StaffFactory, UnitFactory
from fangxian.testing import UserFactory

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class World:
    """The mini university with a 宣传部 officer and accounts for two more students."""

    def __init__(self, uni: MiniUniversity, make_user):
        self.uni = uni
        self.office = make_user("office-n", "prevention_office")
        self.department = UnitFactory(kind="department", name="宣传部", parent=uni.institution)
        self.publicity_user = UserFactory(username="publicity1")
        self.publicity = StaffFactory(unit=self.department, name="宣传部 陈静", user=self.publicity_user)
        MiniUniversity.assign(self.publicity, PUBLICITY_OFFICER, unit=uni.institution, start_date=date(2022, 1, 1))
        self.student_users = [uni.student_user]
        for n, student in enumerate(uni.students[1:], start=2):
            user = UserFactory(username=f"student{n}")
            student.user = user
            student.save(update_fields=["user"])
            self.student_users.append(user)
        self.other_user = UserFactory(username="student-other")
        uni.other_students[0].user = self.other_user
        uni.other_students[0].save(update_fields=["user"])


@pytest.fixture
def world(uni, make_user, media_root):
    return World(uni, make_user)


def draft(**overrides) -> services.Draft:
    values = {
        "kind": "policy",
        "title": "关于做好暑期疫情防控工作的通知",
        "issuer": "河西学院防控办",
        "number": "河西学院防控办〔2022〕5号",
        "source_level": "school",
        "tags": "暑期,防控",
        "body": "各学院：\n\n请严格落实四方责任。\n\n留校学生每日报告健康状况。",
    }
    values.update(overrides)
    return services.Draft(**values)


def college_audience(world) -> list[services.AudienceSpec]:
    return [services.AudienceSpec(AudienceKind.UNIT, unit=world.uni.college)]


def published(world, by=None, questions=None, **overrides):
    by = by or world.office
    notice = services.notice_create(by=by, draft=draft(**overrides), audience=college_audience(world), questions=questions)
    return services.publish(notice=notice, by=by)


@pytest.fixture(autouse=True)
def _chinese():
    """Messages are translated when raised: read them as a Chinese user would."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
