"""Care's part of the demo university: the logins have something to show."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangxian.care import demo, selectors
from fangxian.care.models import CanteenReport, CarePlan, FeverReferral, FollowUp, HelpRequest, MealRating
from fangxian.ledger import demo as ledger_demo
from fangxian.org import demo as org_demo

pytestmark = pytest.mark.django_db


def test_demo_has_plans_help_meals_and_referrals(django_user_model, client):
    org_demo.load(size=1200, seed=7)
    ledger_demo.load(size=1200, seed=7)
    demo.load(size=1200, seed=7)
    assert CarePlan.objects.filter(kind="psych").exists() and CarePlan.objects.filter(kind="life").exists()
    assert FollowUp.objects.exists() and CarePlan.objects.overdue().exists()
    assert CanteenReport.objects.filter(samples_kept=False).exists() and MealRating.objects.filter(is_complaint=True).exists()
    assert FeverReferral.objects.filter(back_on_campus_at__isnull=True).exists()
    counselor = django_user_model.objects.get(username="counselor")
    assert selectors.plan_list(counselor).exists() and selectors.open_help(counselor).exists()
    student = django_user_model.objects.get(username="student")
    assert HelpRequest.objects.filter(student__user=student, answered_at__isnull=False).exists()
    for username, url in (("psych", "care:list"), ("canteen", "care:canteens"), ("hospital", "care:referrals")):
        client.force_login(django_user_model.objects.get(username=username))
        assert client.get(reverse(url)).status_code == 200, username
    psych = django_user_model.objects.get(username="psych")
    # The centre sees the students in psychological care (and their other plans), nobody else.
    in_psych = set(CarePlan.objects.filter(kind="psych").values_list("student_id", flat=True))
    assert set(selectors.plan_list(psych).values_list("student_id", flat=True)) == in_psych
    # The office's next college form asks for the meal situation, pre-filled by care.
    from fangxian.reports.models import ReportForm

    version = ReportForm.objects.get(code="college-daily").versions.order_by("-valid_from").first()
    catering = next(s for s in version.schema["sections"] if s["key"] == "catering")
    assert {f.get("prefill") for f in catering["fields"]} >= {"care.meals.ratings", "care.meals.complaints"}
    # Loading twice changes nothing.
    plans = CarePlan.objects.count()
    demo.load(size=1200, seed=7)
    assert CarePlan.objects.count() == plans
