"""A student at the fever clinic is a reason for absence in the dashboard's reconciliation:
named with their own reason, not as "scanned out and not back"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.care import services
from fangxian.dashboard import rollup
from fangxian.dashboard.reconcile import FEVER_REFERRAL, OUT_NOT_BACK, reconcile
from fangxian.dashboard.tests.conftest import _fresh_caches, dash, headcount_prefill, ledger, rep, world  # noqa: F401
from fangxian.org.models import Unit

pytestmark = pytest.mark.django_db


def test_a_referred_student_scanned_out_is_explained_by_the_referral(dash):  # noqa: F811
    uni = dash.uni
    hospital = Unit.objects.create(kind="hospital", name="附属医院", parent=uni.institution)
    dash.scan(uni.students[1], "out")
    dash.scan(uni.students[2], "out")
    services.referral_create(
        student=uni.students[1], hospital=hospital, referred_at=timezone.now() - timedelta(minutes=30), from_where="东门", by=None
    )
    rollup.refresh_day(dash.today)
    r = reconcile(uni.college, dash.today)
    assert sorted((n.reason, n.student.pk) for n in r.named) == sorted(
        [(FEVER_REFERRAL, uni.students[1].pk), (OUT_NOT_BACK, uni.students[2].pk)]
    )
    assert r.gate_unexplained == 0
    assert next(n for n in r.named if n.reason == FEVER_REFERRAL).reason_label == "台账在校，已转诊发热门诊"
