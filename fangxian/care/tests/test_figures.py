"""Tiles, the supervision rule and the figures: scoped and counted right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.care import home, services, supervision
from fangxian.care.models import CareKind
from fangxian.core.supervision import supervision_rule
from fangxian.core.tiles import TileContext

pytestmark = pytest.mark.django_db


def overdue_plans(care, n: int):
    students = [*care.uni.students, *care.uni.other_students][:n]
    return [services.plan_create(student=s, kind=CareKind.LIFE, interval_days=3, starts_on=care.days_ago(10), by=None) for s in students]


def test_home_tiles_for_the_counselor_and_the_student(care):
    overdue_plans(care, 4)  # three of 医学院, one of 文学院
    services.help_ask(student=care.uni.students[0], kind="meal", text="没饭了")
    tiles = {t.key: t for t in home.home_tiles(care.uni.counselor_user)}
    assert tiles["care-overdue"].value == 3 and tiles["care-help"].value == 1
    student = {t.key: t for t in home.home_tiles(care.uni.student_user)}
    assert student["care-ask"].kind == "action" and student["care-rate"].kind == "action"
    assert "care-overdue" not in student
    assert home.home_tiles(care.uni.guard_user) == []


def test_the_dashboard_tile_reads_the_day_in_scope(care, make_user):
    overdue_plans(care, 4)
    services.meal_rate(student=care.uni.students[0], canteen=care.canteen, day=care.today, meal="lunch", score=3)
    services.meal_rate(student=care.uni.students[1], canteen=care.canteen, day=care.today, meal="lunch", score=4)
    office = make_user("office5", "prevention_office")
    tiles = {t.key: t for t in home.dashboard_tiles(TileContext(office, care.today, None, None))}
    assert tiles["care-overdue"].value == 4 and tiles["care-meals"].value == "3.5"
    college = {t.key: t for t in home.dashboard_tiles(TileContext(care.uni.college_admin_user, care.today, None, None))}
    assert college["care-overdue"].value == 3 and college["care-meals"].value == "3.5"  # their students' ratings
    services.meal_rate(student=care.uni.other_students[0], canteen=care.canteen, day=care.today, meal="lunch", score=1)
    college = {t.key: t for t in home.dashboard_tiles(TileContext(care.uni.college_admin_user, care.today, None, None))}
    assert college["care-meals"].value == "3.5" and college["care-meals"].note == "2 份评价"


def test_the_supervision_rule_proposes_a_college_with_overdue_follow_ups_once_a_week(care):
    assert supervision_rule("care.follow_up_overdue") is supervision.RULE
    plans = overdue_plans(care, 3)
    proposals = list(supervision.RULE.derive(care.today))
    assert [(p.unit_id, p.count) for p in proposals] == [(care.uni.college.pk, 3)]
    assert proposals[0].key == f"{care.uni.college.pk}:{care.today:%G-W%V}" and "关爱跟进逾期3人" in proposals[0].title
    # One followed up: two overdue are below the threshold, nothing is proposed.
    services.follow_up_log(plan=plans[0], by=None, at=timezone.now() - timedelta(minutes=1), mode="visit", content="面谈")
    assert list(supervision.RULE.derive(care.today)) == []
