"""Fixtures for the reporting tests: the mini university with a leader, the shipped forms,
and a head-count provider computed from real org data (students with a bed under a unit)."""

from __future__ import annotations

import importlib
from datetime import date, datetime, time

import pytest
from django.apps import apps as django_apps
from django.db.models import Count, Q
from django.utils import timezone

from fangxian.org.models import AssignmentRole, Student, Unit
from fangxian.org.testing import StaffFactory
from fangxian.reports import prefill
from fangxian.reports.models import ReportForm
from fangxian.testing import UserFactory

SHIPPED = importlib.import_module("fangxian.reports.migrations.0002_ship_default_forms")


def ensure_shipped_forms() -> None:
    """The data migration's forms. Transactional tests empty every table afterwards, so the
    forms are put back the way the migration makes them."""
    SHIPPED.ship(django_apps, None)


def headcount(unit: Unit, day: date) -> dict:
    """Students with a bed whose class is under `unit`: a stand-in for the ledger's figure."""
    counts = Student.objects.filter(bed__isnull=False, klass__path__startswith=unit.path, status=Student.Status.ENROLLED).aggregate(
        total=Count("pk"), male=Count("pk", filter=Q(gender="M")), female=Count("pk", filter=Q(gender="F"))
    )
    return counts


@pytest.fixture
def headcount_prefill():
    sources = ("ledger.headcount.total", "ledger.headcount.male", "ledger.headcount.female")
    previous = {source: prefill._sources.get(source) for source in sources}
    prefill.register_prefill("ledger.headcount.total", lambda unit, day: headcount(unit, day)["total"])
    prefill.register_prefill("ledger.headcount.male", lambda unit, day: headcount(unit, day)["male"])
    prefill.register_prefill("ledger.headcount.female", lambda unit, day: headcount(unit, day)["female"])
    yield
    # Put back what the apps registered (the ledger's providers), not nothing.
    for source, fn in previous.items():
        if fn is None:
            prefill.unregister_prefill(source)
        else:
            prefill.register_prefill(source, fn)


class Reporting:
    def __init__(self, uni):
        ensure_shipped_forms()
        # Forms other apps ship (duty's 疫情信息日报) have their own tests; these tests count
        # the reminders, summaries and API rows of the reports app's own forms.
        ReportForm.objects.exclude(code__in=[spec["code"] for spec in SHIPPED.FORMS]).update(is_active=False)
        self.uni = uni
        self.form = ReportForm.objects.get(code="college-daily")
        self.leader_user = UserFactory(username="leader1")
        self.leader = StaffFactory(unit=uni.college, name="包抓领导 王刚", user=self.leader_user, phone="13900001111")
        uni.assign(self.leader, AssignmentRole.LEADER, unit=uni.college)
        self.other_admin_user = UserFactory(username="college2")
        self.other_admin = StaffFactory(unit=uni.other_college, name="学院专员 赵敏", user=self.other_admin_user)
        uni.assign(self.other_admin, AssignmentRole.COLLEGE_ADMIN, unit=uni.other_college)
        self.logistics = Unit.objects.create(kind="department", name="后勤管理处", code="logistics", parent=uni.institution)
        self.security = Unit.objects.create(kind="department", name="安全稳定工作部", code="security", parent=uni.institution)

    def at(self, hour: int, minute: int = 0, day: date | None = None) -> datetime:
        return timezone.make_aware(datetime.combine(day or timezone.localdate(), time(hour, minute)))

    def zero_report(self, total: int = 3, male: int = 3, female: int = 0) -> dict:
        return {
            "data": {"headcount": {"total": total, "male": male, "female": female}},
            "zero_sections": ["safety", "catering", "mood", "other"],
        }


@pytest.fixture
def rep(uni, headcount_prefill) -> Reporting:
    return Reporting(uni)
