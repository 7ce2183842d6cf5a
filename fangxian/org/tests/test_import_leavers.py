"""Leavers by import: staff imported as 离职/退休 and students as 毕业/退学, on the date the file
gives, lose their account, sessions, tokens and responsibilities in the import itself; the
batch can be undone, which gives them back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.accounts.models import ApiToken, LoginSession
from fangxian.core.import_batches import undo_batch
from fangxian.core.models import ImportBatch
from fangxian.org.imports import StaffImporter, StudentImporter
from fangxian.org.models import Assignment, AssignmentRole, Staff, Student
from fangxian.org.tests.test_import_safety import gender, messages, run, workbook

pytestmark = pytest.mark.django_db
STAFF_HEADER = ["工号", "姓名", "性别", "单位", "在职状态", "离职日期"]


def staff_row(staff, status="在职", day=None):
    return [staff.staff_number, staff.name, "男" if staff.gender == "M" else "女", staff.unit.name, status, day]


def test_staff_imported_as_left_on_a_date_lose_account_sessions_tokens_and_responsibilities(uni, office):
    counselor = uni.counselor
    session = Client()
    session.force_login(uni.counselor_user)
    _token, raw = ApiToken.issue(user=uni.counselor_user, name="phone")
    left_on = timezone.localdate() - timedelta(days=10)
    report = run(
        StaffImporter,
        workbook(STAFF_HEADER, staff_row(counselor, "离职", left_on.isoformat()), staff_row(uni.guard)),
        user=office,
    )
    assert report.ok and (report.updated, report.unchanged) == (1, 1), messages(report)
    counselor.refresh_from_db()
    uni.counselor_user.refresh_from_db()
    assert counselor.is_active is False and uni.counselor_user.is_active is False
    assert not LoginSession.objects.filter(user=uni.counselor_user).exists()
    assert session.get(reverse("web:home")).status_code == 302
    assert ApiToken.find(raw) is None
    # Responsibilities end on the day before the leaving date the file gives, not today.
    assert list(Assignment.objects.filter(staff=counselor).values_list("end_date", flat=True)) == [left_on - timedelta(days=1)]
    # The change log shows the import's change of 在职.
    log = LogEntry.objects.get(cid=report.batch, object_id=counselor.pk)
    assert log.changes["is_active"] == ["True", "False"]
    # The guard, 在职, keeps everything.
    uni.guard_user.refresh_from_db()
    assert uni.guard_user.is_active and Assignment.objects.get(staff=uni.guard).end_date is None

    # Undone: the person, the account and the responsibility come back.
    assert undo_batch(ImportBatch.objects.get(pk=report.batch_id), by=office) == []
    counselor.refresh_from_db()
    uni.counselor_user.refresh_from_db()
    assert counselor.is_active and uni.counselor_user.is_active
    assert Assignment.objects.get(staff=counselor).end_date is None


def test_a_leaving_date_must_be_past_and_only_for_leavers(uni, office):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    report = run(
        StaffImporter,
        workbook(STAFF_HEADER, staff_row(uni.counselor, "退休", tomorrow), staff_row(uni.guard, "在职", "2024-01-01")),
        user=office,
    )
    texts = messages(report)
    assert any(t.startswith("第 2 行 · 离职日期 · ") and tomorrow in t for t in texts), texts
    assert any(t.startswith("第 3 行 · 离职日期 · ") for t in texts), texts
    uni.counselor.refresh_from_db()
    assert uni.counselor.is_active and Assignment.objects.get(staff=uni.counselor).end_date is None


def test_a_file_without_the_status_column_leaves_staff_as_they_are(uni, office):
    Staff.objects.filter(pk=uni.guard.pk).update(is_active=False)
    upload = workbook(["工号", "姓名", "性别", "单位"], staff_row(uni.guard)[:4], staff_row(uni.counselor)[:4])
    report = run(StaffImporter, upload, user=office)
    assert report.ok, messages(report)
    assert not Staff.objects.get(pk=uni.guard.pk).is_active and Staff.objects.get(pk=uni.counselor.pk).is_active
    # New staff are 在职 unless the file says otherwise.
    report = run(StaffImporter, workbook(STAFF_HEADER, ["T70001", "新人", "女", "医学院", "", None]), user=office)
    assert report.ok and Staff.objects.get(staff_number="T70001").is_active


def test_the_staff_export_carries_the_status_and_imports_again_unchanged(uni, office, verified_client):
    Staff.objects.filter(pk=uni.guard.pk).update(is_active=False)
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangxian.privacy.testing import approved_grant

    grant = approved_grant(office, "import:staff", args=("staff",))  # the whole list, to import again
    exported = verified_client(office).get(reverse("org:import_export", args=["staff"]), {"grant": grant.pk}).content
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    header = [cell.value for cell in sheet[2]]  # under the watermark
    rows = {row[0]: dict(zip(header, row, strict=False)) for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[uni.guard.staff_number]["在职状态"] == "离职" and rows[uni.counselor.staff_number]["在职状态"] == "在职"
    again = StaffImporter(user=office).run(SimpleUploadedFile("staff.xlsx", exported))
    assert again.ok and again.created == again.updated == 0, messages(again)


def test_students_imported_as_graduated_on_a_date(uni, office):
    student = uni.students[0]  # holds the account student1
    uni.assign(uni.counselor, AssignmentRole.ONE_TO_ONE, student=student, start_date=date(2022, 9, 1))
    day = timezone.localdate() - timedelta(days=30)
    upload = workbook(
        ["学号", "姓名", "性别", "班级", "状态", "离校日期"],
        [student.student_number, student.name, gender(student), uni.klass.name, "毕业", day],
    )
    report = run(StudentImporter, upload, user=office)
    assert report.ok, messages(report)
    student.refresh_from_db()
    uni.student_user.refresh_from_db()
    assert student.status == Student.Status.GRADUATED and not uni.student_user.is_active
    assert Assignment.objects.get(student=student).end_date == day - timedelta(days=1)
    refused = run(
        StudentImporter,
        workbook(
            ["学号", "姓名", "性别", "班级", "状态", "离校日期"],
            [uni.students[1].student_number, uni.students[1].name, gender(uni.students[1]), uni.klass.name, "在读", day],
        ),
        user=office,
    )
    assert any("离校日期" in t for t in messages(refused)), messages(refused)
