"""A student at the fever clinic is a reason for absence in the dashboard's reconciliation:
named with their own reason, not as "scanned out and not back"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.care import services
from fangxian.dashboard import rollup
from fangxian.dashboard.reconcile import FEVER_NO_SCAN, FEVER_REFERRAL, OUT_NOT_BACK, reconcile
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


def test_a_referred_student_who_never_scanned_out_is_still_named_as_absent(dash, client, django_assert_max_num_queries):  # noqa: F811
    """Taken to the fever clinic from the dorm, no gate scan: the gates still count the
    student present, the reconciliation names them absent with the time of the referral;
    a student back from the clinic is not named; no notice button (the reason is known)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    uni = dash.uni
    hospital = Unit.objects.create(kind="hospital", name="附属医院", parent=uni.institution)
    referred_at = timezone.now() - timedelta(minutes=40)
    services.referral_create(student=uni.students[1], hospital=hospital, referred_at=referred_at, from_where="3号公寓", by=None)
    rollup.refresh_day(dash.today)
    with CaptureQueriesContext(connection) as one:
        reconcile(uni.college, dash.today)
    # Another student taken from the dorm, and one already back from the clinic.
    earlier = timezone.now() - timedelta(hours=1)
    services.referral_create(student=uni.students[0], hospital=hospital, referred_at=earlier, from_where="3号公寓", by=None)
    back = services.referral_create(
        student=uni.students[2], hospital=hospital, referred_at=timezone.now() - timedelta(hours=3), from_where="3号公寓", by=None
    )
    services.referral_update(referral=back, by=None, result="cleared", back_on_campus_at=timezone.now() - timedelta(hours=2))
    rollup.refresh_day(dash.today)
    with django_assert_max_num_queries(len(one)):  # the same queries for any number of referrals
        r = reconcile(uni.college, dash.today)
    assert sorted((n.reason, n.student.pk, n.at) for n in r.named) == sorted(
        [(FEVER_NO_SCAN, uni.students[1].pk, referred_at), (FEVER_NO_SCAN, uni.students[0].pk, earlier)]
    )
    assert (r.ledger, r.present, r.gate_gap, r.gate_unexplained) == (3, 3, 0, 0)  # the gates did not see them go
    assert r.named[0].explained and r.named[0].reason_label == "台账在校，已转诊发热门诊（未刷卡出校）"

    client.force_login(uni.college_admin_user)
    page = client.get(reverse("dashboard:reconcile_college", args=[uni.college.pk])).content.decode()
    assert f'data-student="{uni.students[1].pk}" data-reason="fever_no_scan"' in page
    assert 'data-testid="notify"' not in page
    # Another college's referral is not in this college's reconciliation.
    other = services.referral_create(
        student=uni.other_students[0], hospital=hospital, referred_at=referred_at, from_where="文学院宿舍", by=None
    )
    assert other.student_id not in {n.student.pk for n in reconcile(uni.college, dash.today).named}
    assert [(n.reason, n.student.pk) for n in reconcile(uni.other_college, dash.today).named] == [(FEVER_NO_SCAN, other.student_id)]
