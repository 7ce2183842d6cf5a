"""The affiliated hospital: its daily form, fever referrals (checked, scoped, seen by the
hospital), the reason for absence in the dashboard's reconciliation, and the figures."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from fangxian.care import selectors, services
from fangxian.care.models import FeverReferral

pytestmark = pytest.mark.django_db


def refer(care, student=None, **extra) -> FeverReferral:
    values = {"referred_at": timezone.now() - timedelta(hours=2), "from_where": "1号公寓", "by": care.uni.counselor_user}
    values.update(extra)
    return services.referral_create(student=student or care.uni.students[1], hospital=care.hospital, **values)


def test_the_hospital_form_asks_for_outpatients_admissions_staff_and_infection_control(care):
    from fangxian.reports.models import ReportForm
    from fangxian.reports.prefill import prefill_values
    from fangxian.reports.schema import check_schema

    form = ReportForm.objects.get(code="hospital-daily")
    version = form.version_for(care.today)
    check_schema(version.schema)
    keys = {(s["key"], f["key"]) for s in version.schema["sections"] for f in s["fields"]}
    assert {("operation", "outpatients"), ("operation", "admissions"), ("operation", "staff_on_duty")} <= keys
    assert {("fever_clinic", "visits"), ("fever_clinic", "students"), ("infection_control", "status")} <= keys
    assert form.expected_units().filter(pk=care.hospital.pk).exists()
    # Referred today, whatever the hour (two hours ago is yesterday just after midnight).
    midnight = timezone.make_aware(datetime.combine(care.today, time.min))
    refer(care, referred_at=max(timezone.now() - timedelta(hours=2), midnight))
    assert prefill_values(version.schema, care.hospital, care.today)["fever_clinic"] == {"students": 1}


def test_a_referral_is_checked_and_one_at_a_time(care):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        refer(care, referred_at=timezone.now() + timedelta(hours=1), from_where=" ", temperature=45)
    assert set(exc.value.message_dict) == {"referred_at", "from_where", "temperature"}
    referral = refer(care, temperature=38.4)
    with pytest.raises(ValidationError):
        refer(care)  # still open
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.referral_update(referral=referral, by=None, result="pending", back_on_campus_at=timezone.now())
    assert "待诊断" in exc.value.message_dict["back_on_campus_at"][0]
    services.referral_update(referral=referral, by=None, result="cleared", back_on_campus_at=timezone.now() - timedelta(minutes=5))
    referral.refresh_from_db()
    assert referral.result == "cleared" and not referral.is_open and referral.result_at is not None
    assert refer(care).pk != referral.pk  # a new one may follow


def test_the_fever_clinic_sees_and_updates_its_referrals_others_do_not(care, client):
    referral = refer(care)
    client.force_login(care.clinic_user)
    assert referral.student.name in client.get(reverse("care:referrals")).content.decode()
    response = client.post(reverse("care:referral", args=[referral.pk]), {"result": "isolated", "note": "隔离病区观察"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.result == "isolated" and referral.updated_by == care.clinic_user
    client.force_login(care.uni.other_counselor_user)
    assert client.get(reverse("care:referral", args=[referral.pk])).status_code == 404
    assert referral.student.name not in client.get(reverse("care:referrals")).content.decode()
    # The counselor refers a student of another college: not found among theirs.
    client.force_login(care.uni.counselor_user)
    page = client.post(
        reverse("care:referrals"),
        {
            "student_number": care.uni.other_students[0].student_number,
            "hospital": care.hospital.pk,
            "referred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "from_where": "东门",
        },
    )
    assert page.status_code == 400 and "范围内没有学号" in page.content.decode()


def test_an_open_referral_is_a_reason_for_absence_in_the_reconciliation(care):
    referral = refer(care)
    moment = timezone.now()
    assert selectors.fever_referred_ids_at(moment) == {referral.student_id}
    assert selectors.fever_referred_ids_at(referral.referred_at - timedelta(minutes=1)) == set()
    services.referral_update(referral=referral, by=None, result="cleared", back_on_campus_at=moment - timedelta(minutes=1))
    assert selectors.fever_referred_ids_at(moment) == set()
