"""Leavers: staff who leave and students who graduate lose their account, sessions, tokens
and responsibilities; coverage shows the gaps."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.accounts.leavers import person_left, sync_leavers
from fangxian.accounts.models import ApiToken, LoginSession
from fangxian.audit.models import SecurityEvent
from fangxian.core.xlsx import XLSX_CONTENT_TYPE
from fangxian.org.coverage import GapKind, coverage_report
from fangxian.org.imports import StudentImporter
from fangxian.org.models import Assignment, AssignmentRole, Staff, Student
from fangxian.org.scope import Scope
from fangxian.org.testing import make_id_number

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(everything=True)


def gap_names(kind):
    return sorted(gap.node.name for gap in coverage_report(day=timezone.localdate(), scope=EVERYTHING).gaps.get(kind, []))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_counselor_marked_as_left_by_hand_loses_account_sessions_tokens_and_responsibilities(uni, office, verified_client):
    counselor = uni.counselor
    session_client = signed_in(uni.counselor_user)
    assert session_client.get(reverse("web:home")).status_code == 200
    _token, raw = ApiToken.issue(user=uni.counselor_user, name="phone")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").status_code == 200
    future = uni.assign(counselor, AssignmentRole.CLASS_TEACHER, unit=uni.klass, start_date=timezone.localdate() + timedelta(days=3))
    assert gap_names(GapKind.CLASS_COUNSELOR) == []

    page = verified_client(office)
    data = {
        "staff_number": counselor.staff_number,
        "name": counselor.name,
        "gender": counselor.gender,
        "id_number": "",
        "phone": "",
        "unit": counselor.unit_id,
        "title": "",
        # is_active left out: the checkbox unticked
    }
    response = page.post(reverse("org:staff_edit", args=[counselor.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    uni.counselor_user.refresh_from_db()
    assert not uni.counselor_user.is_active
    assert not LoginSession.objects.filter(user=uni.counselor_user).exists()
    assert session_client.get(reverse("web:home")).status_code == 302  # signed out
    assert ApiToken.find(raw) is None
    assert api.get("/api/v1/me/").status_code == 401
    yesterday = timezone.localdate() - timedelta(days=1)
    assert list(Assignment.objects.filter(staff=counselor).values_list("end_date", flat=True)) == [yesterday]
    assert not Assignment.objects.filter(pk=future.pk).exists()
    # The grade the counselor looked after has none today: its class is a gap.
    assert gap_names(GapKind.CLASS_COUNSELOR) == [uni.klass.name]
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ACCOUNT_DISABLED)
    assert event.detail["target"] == "counselor1" and event.detail["reason"] == "left" and event.detail["tokens"] == 1


def test_students_imported_as_graduated_lose_their_account_in_the_import(uni):
    student = uni.students[0]  # has the account student1
    uni.assign(uni.counselor, AssignmentRole.ONE_TO_ONE, student=student)
    workbook = openpyxl.Workbook()
    workbook.active.append(["学号", "姓名", "性别", "身份证号", "手机号", "学院", "班级", "校区", "楼栋", "房间", "床位", "状态"])
    workbook.active.append(
        [student.student_number, student.name, "男", make_id_number(gender="M"), "13900000001", "", uni.klass.name, "", "", "", "", "毕业"]
    )
    data = io.BytesIO()
    workbook.save(data)
    report = StudentImporter(user=None).run(SimpleUploadedFile("s.xlsx", data.getvalue(), content_type=XLSX_CONTENT_TYPE))
    assert not report.errors, report.errors
    student.refresh_from_db()
    assert student.status == Student.Status.GRADUATED
    uni.student_user.refresh_from_db()
    assert not uni.student_user.is_active
    # The one-to-one responsibility for the student ended with them.
    assert Assignment.objects.filter(student=student).get().end_date == timezone.localdate() - timedelta(days=1)


def test_the_daily_sync_catches_leavers_written_in_bulk(uni):
    Staff.objects.filter(pk=uni.guard.pk).update(is_active=False)  # no signal, like a bulk write
    assert sync_leavers() == 1
    uni.guard_user.refresh_from_db()
    assert not uni.guard_user.is_active
    assert Assignment.objects.filter(staff=uni.guard, end_date__isnull=True).count() == 0
    assert sync_leavers() == 0  # nothing left to do


def test_leaving_on_a_given_date_and_again_changes_nothing_more(uni):
    on = timezone.localdate() - timedelta(days=10)
    changed = person_left(person=uni.other_counselor, on=on)
    assert changed == {"account": True, "tokens": 0, "assignments": 1}
    assert Assignment.objects.get(staff=uni.other_counselor).end_date == on - timedelta(days=1)
    assert person_left(person=uni.other_counselor, on=on) == {"account": False, "tokens": 0, "assignments": 0}
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCOUNT_DISABLED).count() == 1


def test_an_active_person_saved_keeps_everything(uni):
    uni.counselor.title = "辅导员"
    uni.counselor.save()
    uni.counselor_user.refresh_from_db()
    assert uni.counselor_user.is_active
    assert Assignment.objects.filter(staff=uni.counselor, end_date__isnull=True).exists()
