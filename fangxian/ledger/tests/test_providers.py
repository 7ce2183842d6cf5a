"""What the ledger tells coverage, daily reports and gate control (ledger/providers.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.gates.categories import categories_of
from fangxian.gates.models import Category as GateCategory
from fangxian.ledger import providers, services
from fangxian.org.coverage import students_on_campus
from fangxian.reports.prefill import prefill_value

pytestmark = pytest.mark.django_db


def test_outside_a_stay_period_the_boarders_are_on_campus(uni):
    today = timezone.localdate()
    assert set(students_on_campus(today)) == {*uni.students, *uni.other_students}
    assert providers.expected_on_campus(uni.campus, today) == {s.pk for s in [*uni.students, *uni.other_students]}


def test_during_a_stay_period_the_ledger_says_who_is_on_campus(ledger):
    uni = ledger.uni
    staying = uni.students[0]
    ledger.on_campus(staying)
    today = timezone.localdate()
    assert list(students_on_campus(today)) == [staying]
    # The gates expect the same students on that campus.
    assert providers.expected_on_campus(uni.campus, today) == {staying.pk}


def test_report_headcounts_are_prefilled_from_the_ledger(ledger):
    uni = ledger.uni
    for student in uni.students[:2]:
        ledger.on_campus(student)
    today = timezone.localdate()
    assert prefill_value("ledger.headcount.total", uni.college, today) == 2
    assert prefill_value("ledger.headcount.male", uni.college, today) == 2
    assert prefill_value("ledger.headcount.female", uni.college, today) == 0
    assert prefill_value("ledger.headcount.total", uni.other_college, today) == 0


def test_closed_management_is_a_gate_category(ledger):
    uni = ledger.uni
    student = uni.students[0]
    today = timezone.localdate()
    providers.forget_closed_management()
    assert GateCategory.STUDENT_CLOSED not in categories_of(student, today)
    services.tag_add(student=student, category=ledger.categories["closed"], by=uni.counselor_user, on=today - timedelta(days=1))
    providers.forget_closed_management()
    assert GateCategory.STUDENT_CLOSED in categories_of(student, today)
    assert GateCategory.STUDENT_CLOSED not in categories_of(uni.students[1], today)
