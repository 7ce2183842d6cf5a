"""Ledger fixtures: a summer period over the mini university, with helpers that put
students through the application flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from fangxian.ledger import services
from fangxian.ledger.models import Category, LedgerEntry, StayPeriod
from fangxian.ledger.models import Status as S
from fangxian.org.models import Place
from fangxian.org.testing import PlaceFactory, StudentFactory

REASONS = ["实习", "考研", "科研", "家庭困难", "疫情原因无法离校", "毕业生"]


@dataclass
class Ledger:
    uni: object
    period: StayPeriod
    categories: dict[str, Category]

    @property
    def reason(self):
        return self.period.reasons.get(name="考研")

    def apply(self, student, *, bed=None, start=None, end=None, on=None, period=None, **extra):
        period = period or self.period
        fields = {
            "student": student,
            "period": period,
            "start_date": start or period.start_date,
            "end_date": end or period.end_date,
            "reason": period.reasons.get(name="考研"),
            "bed": bed or student.bed,
            "emergency_contact": "张父",
            "emergency_phone": "13900000001",
            "parent_name": "张父",
            "parent_phone": "13900000001",
            "pledge_agreed": True,
            "on": on or period.start_date - timedelta(days=5),
        }
        fields.update(extra)
        return services.application_submit(**fields)

    def approved(self, student, *, on=None, **kwargs) -> LedgerEntry:
        """A student through the whole flow: applied, approved by the counselor, confirmed."""
        on = on or self.period.start_date - timedelta(days=5)
        app = self.apply(student, on=on, **kwargs)
        services.application_review(application=app, approve=True, by=self.uni.counselor_user)
        services.application_confirm(application=app, by=self.uni.college_admin_user, on=on)
        return LedgerEntry.objects.get(application=app)

    def on_campus(self, student, *, on=None, **kwargs) -> LedgerEntry:
        entry = self.approved(student, **kwargs)
        return services.entry_change_status(
            entry=entry, status=S.ON_CAMPUS, version=entry.version, by=self.uni.counselor_user, on=on or self.period.start_date
        )

    def add_students(self, n: int, *, klass=None, gender: str = "M", building=None) -> list:
        """`n` more students, each with a bed in new rooms of `building` (a new one if None)."""
        uni = self.uni
        building = building or PlaceFactory(
            kind=Place.Kind.BUILDING,
            parent=uni.campus,
            institution=uni.institution,
            use="dorm",
            gender=gender,
            name=f"{gender}楼{Place.objects.count()}",
        )
        students = []
        for index in range(n):
            if index % 4 == 0:
                room = PlaceFactory(
                    kind=Place.Kind.ROOM, parent=building, institution=uni.institution, use="dorm", name=f"{200 + index // 4}"
                )
            bed = PlaceFactory(kind=Place.Kind.BED, parent=room, institution=uni.institution, name=f"{index % 4 + 1}号床")
            students.append(StudentFactory(klass=klass or uni.klass, bed=bed, gender=gender))
        return students


@pytest.fixture
def ledger(uni) -> Ledger:
    today = timezone.localdate()
    period = services.period_create(
        institution=uni.institution,
        name="2022 暑假",
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=30),
        reasons=REASONS,
    )
    categories = {}
    for code, name, kind in [
        ("closed", "封闭管理", Category.Kind.CLOSED),
        ("psych", "心理关注", Category.Kind.GROUP),
        ("poverty", "经济困难", Category.Kind.GROUP),
        ("risk_high", "高风险", Category.Kind.RISK),
        ("risk_low", "低风险", Category.Kind.RISK),
    ]:
        categories[code] = Category.objects.create(institution=uni.institution, code=code, name=name, kind=kind)
    return Ledger(uni, period, categories)


@pytest.fixture
def past_period(uni) -> StayPeriod:
    return services.period_create(
        institution=uni.institution, name="2022 寒假", start_date=date(2022, 1, 10), end_date=date(2022, 2, 20), reasons=REASONS
    )
