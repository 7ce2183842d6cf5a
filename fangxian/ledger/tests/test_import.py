"""Stay-list imports: messy office files are read, every bad input is explained as
"第 N 行 · 列名 · 问题", and a file with any problem changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.core import idnumber
from fangxian.ledger.importing import StayImporter
from fangxian.ledger.models import LedgerEntry, StayApplication, StudentTag
from fangxian.ledger.models import Status as S
from fangxian.org.models import Assignment, AssignmentRole
from fangxian.org.testing import PlaceFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "学号",
    "姓名",
    "身份证号",
    "留校开始日期",
    "留校结束日期",
    "留校事由",
    "具体说明",
    "床位",
    "紧急联系人",
    "紧急联系电话",
    "家长姓名",
    "家长电话",
    "分类",
    "已签安全承诺",
]


def xlsx(rows, title=None) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("stay.xlsx", buffer.getvalue())


def row(student, ledger, **change):
    start, end = ledger.period.start_date, ledger.period.end_date
    values = {
        "number": student.student_number,
        "name": student.name,
        "id": student.id_number,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "reason": "考研",
        "note": "",
        "bed": "",
        "contact": "王父",
        "phone": "13900000000",
        "parent": "王父",
        "parent_phone": "13900000000",
        "tags": "",
        "pledge": "是",
    }
    values.update(change)
    return list(values.values())


def run(ledger, user, rows, *, dry_run=False, title=None):
    return StayImporter(user=user, period=ledger.period).run(xlsx([HEADER, *rows], title=title), dry_run=dry_run)


def test_messy_but_valid_file_is_imported_once(ledger, django_capture_on_commit_callbacks):
    uni = ledger.uni
    a, b, c = uni.students
    start = ledger.period.start_date
    serial = (start - __import__("datetime").date(1899, 12, 30)).days
    full_width_number = a.student_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = [
        row(a, ledger, number=full_width_number + "  ", name=f" {a.name} ", tags="封闭管理、心理关注"),
        row(b, ledger, start=serial, bed="1号公寓 - 101 - 2号床"),
        row(c, ledger, start=f"{start.year}.{start.month}.{start.day}", phone="139 0000 0000"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report = run(ledger, uni.college_admin_user, rows, title="医学院 2022 暑假留校学生名单")
    assert report.ok, [str(e) for e in report.errors]
    assert (report.rows, report.created, report.unchanged) == (3, 3, 0)
    entries = LedgerEntry.objects.select_related("application")
    assert {e.status for e in entries} == {S.APPROVED}
    assert {e.application.start_date for e in entries} == {start}
    assert set(StudentTag.objects.filter(student=a).values_list("category__code", flat=True)) == {"closed", "psych"}
    # The one-to-one staff member is given after the commit (immediate in tests).
    assert Assignment.objects.filter(role=AssignmentRole.ONE_TO_ONE, student__in=[a, b, c], staff=uni.counselor).count() == 3
    again = run(ledger, uni.college_admin_user, rows)
    assert again.ok and (again.created, again.unchanged) == (0, 3)
    assert StayApplication.objects.count() == 3


def test_check_only_writes_nothing(ledger):
    report = run(ledger, ledger.uni.college_admin_user, [row(ledger.uni.students[0], ledger)], dry_run=True)
    assert report.ok and report.rows == 1
    assert not StayApplication.objects.exists()


def test_every_bad_input_is_explained_and_nothing_is_written(ledger, past_period):
    uni = ledger.uni
    a, b, c = uni.students
    period = ledger.period
    female_building = PlaceFactory(kind="building", parent=uni.campus, institution=uni.institution, use="dorm", gender="F", name="女生公寓")
    female_room = PlaceFactory(kind="room", parent=female_building, institution=uni.institution, name="301")
    PlaceFactory(kind="bed", parent=female_room, institution=uni.institution, name="1号床")
    # c already stays in an overlapping period registered elsewhere.
    from fangxian.ledger import services

    overlapping = services.period_create(
        institution=uni.institution,
        name="封闭管理期",
        start_date=period.start_date - timedelta(days=3),
        end_date=period.start_date + timedelta(days=3),
        reasons=["考研"],
    )
    ledger.apply(c, period=overlapping)
    s1, s2, s3, s4 = ledger.add_students(4)
    rows = [
        row(a, ledger, id=1.10105e17),  # 3: an ID number Excel turned into a float
        row(b, ledger, start=period.start_date + timedelta(days=9), end=(period.start_date + timedelta(days=2)).isoformat()),  # 4
        row(b, ledger),  # 5: duplicate of row 4
        row(c, ledger),  # 6: overlaps c's other stay
        row(b, ledger, number="2099999999"),  # 7: unknown student
        row(uni.other_students[0], ledger),  # 8: a student of another college
        row(s1, ledger, bed="女生公寓-301-1号床"),  # 9: wrong gender
        row(s2, ledger, start="2022-02-30"),  # 10: not a date
        row(s3, ledger, bed="1号公寓-102-1号床", reason="旅游", pledge="否"),  # 11: someone else's bed, bad reason, no pledge
        row(s4, ledger, name="错名字", tags="不存在的分类", start=(period.start_date - timedelta(days=1)).isoformat()),  # 12
    ]
    report = run(ledger, uni.college_admin_user, rows, title="医学院留校名单")
    messages = [str(e) for e in report.errors]
    assert not report.ok

    def has(prefix, *words):
        return any(m.startswith(prefix) and all(w in m for w in words) for m in messages)

    assert has("第 3 行 · 身份证号 · ", "1.10105E+17"), messages
    assert has("第 4 行 · 留校结束日期 · ", "早于"), messages
    assert has("第 5 行 · 学号 · ", "第 4 行"), messages
    assert has("第 6 行 · 留校开始日期 · ", "重叠", "封闭管理期"), messages
    assert has("第 7 行 · 学号 · ", "没有该学号"), messages
    assert has("第 8 行 · 学号 · ", "只能由其所在学院登记"), messages
    assert has("第 9 行 · 床位 · ", "女生宿舍"), messages
    assert has("第 10 行 · 留校开始日期 · ", "2022-02-30"), messages
    assert has("第 11 行 · 床位 · ", "另一名学生"), messages
    assert has("第 11 行 · 留校事由 · ", "旅游"), messages
    assert has("第 11 行 · 已签安全承诺 · "), messages
    assert has("第 12 行 · 姓名 · ", s4.name), messages
    assert has("第 12 行 · 分类 · ", "不存在的分类"), messages
    assert has("第 12 行 · 留校开始日期 · ", "必须在留校期内"), messages
    assert StayApplication.objects.count() == 1  # only c's earlier stay
    assert report.error_file


def test_wrong_gender_bed_and_two_rows_with_one_bed(ledger):
    uni = ledger.uni
    a, b, _c = uni.students
    female_building = PlaceFactory(kind="building", parent=uni.campus, institution=uni.institution, use="dorm", gender="F", name="女生公寓")
    room = PlaceFactory(kind="room", parent=female_building, institution=uni.institution, name="301")
    PlaceFactory(kind="bed", parent=room, institution=uni.institution, name="1号床")
    rows = [
        row(a, ledger, bed="女生公寓-301-1号床"),
        row(b, ledger, bed="1号公寓-101-4"),
        row(a.__class__.objects.get(pk=uni.students[2].pk), ledger, bed="1号公寓-101-4号床"),
    ]
    messages = [str(e) for e in run(ledger, uni.college_admin_user, rows).errors]
    assert any(m.startswith("第 2 行 · 床位 · ") and "女生宿舍" in m for m in messages), messages
    assert any(m.startswith("第 4 行 · 床位 · ") and "第 3 行" in m for m in messages), messages
    assert not StayApplication.objects.exists()


def test_a_bed_taken_by_another_stay_is_refused(ledger):
    uni = ledger.uni
    a, b, _c = uni.students
    ledger.apply(a, bed=uni.beds[3])
    messages = [str(e) for e in run(ledger, uni.college_admin_user, [row(b, ledger, bed="1号公寓-101-4号床")]).errors]
    assert any(m.startswith("第 2 行 · 床位 · ") and "已被其他留校学生占用" in m for m in messages), messages


def test_import_page_template_and_scope(ledger, verified_client, office):
    uni = ledger.uni
    client = Client()
    client.force_login(uni.college_admin_user)
    template = client.get(reverse("ledger:import") + "?template=1")
    assert template.status_code == 200
    from fangxian.core.xlsx import read_sheet

    assert any(r[:2] == ["学号*", "姓名*"] for r in read_sheet(template.content))
    upload = xlsx([HEADER, row(uni.students[0], ledger)])
    response = client.post(reverse("ledger:import") + f"?period={ledger.period.pk}", {"file": upload})
    assert response.status_code == 200 and LedgerEntry.objects.count() == 1
    counselor = Client()
    counselor.force_login(uni.counselor_user)
    assert counselor.get(reverse("ledger:import")).status_code == 403


def test_the_follow_up_job_commits_in_short_batches(ledger):
    """The one-to-one job after an import commits every FILL_BATCH students, so that on
    SQLite no transaction holds the write lock for long."""
    from django.db import connection

    from fangxian.ledger import tasks

    uni = ledger.uni
    rows = [row(student, ledger) for student in uni.students]
    report = run(ledger, uni.college_admin_user, rows)
    assert report.ok, [str(e) for e in report.errors]
    Assignment.objects.filter(role=AssignmentRole.ONE_TO_ONE).delete()
    ids = sorted(LedgerEntry.objects.values_list("pk", flat=True))
    original = tasks.FILL_BATCH
    tasks.FILL_BATCH = 1
    depth = len(connection.savepoint_ids)
    outermost = []  # the job's own transactions: savepoints opened at the test's depth

    def record(execute, sql, params, many, context):
        if sql.startswith("SAVEPOINT") and len(connection.savepoint_ids) == depth:
            outermost.append(sql)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(record):
            filled = tasks.one_to_one_fill_task.call_local(ids, None)
    finally:
        tasks.FILL_BATCH = original
    assert filled == len(ids) == 3
    assert len(outermost) == 3  # one transaction per batch of one
    assert original <= 50


def test_dates_as_offices_write_them_take_the_period_year(ledger):
    uni = ledger.uni
    a, b = uni.students[0], uni.students[1]
    start, end = ledger.period.start_date, ledger.period.end_date
    rows = [
        row(a, ledger, start=f"{start.month}月{start.day}日", end=f"{end.year}年{end.month}月{end.day}号"),
        row(b, ledger, number=f"\u200b{b.student_number}\ufeff", start=f"{start.month}月{start.day}号"),
    ]
    report = run(ledger, uni.college_admin_user, rows)
    assert report.ok, [str(e) for e in report.errors]
    assert set(StayApplication.objects.values_list("start_date", "end_date")) == {(start, end)}


def test_a_reimported_list_applies_contacts_and_reports_what_it_cannot_change(ledger):
    from auditlog.models import LogEntry

    uni = ledger.uni
    a = uni.students[0]
    assert run(ledger, uni.college_admin_user, [row(a, ledger)]).ok
    changed = run(ledger, uni.college_admin_user, [row(a, ledger, phone="138-0000-0001", parent="王母", tags="封闭管理")])
    assert changed.ok and (changed.created, changed.updated, changed.unchanged) == (0, 1, 0), [str(e) for e in changed.errors]
    app = StayApplication.objects.get(student=a)
    assert (app.emergency_phone, app.parent_name) == ("13800000001", "王母")
    assert StudentTag.objects.filter(student=a, category__code="closed").exists()
    log = LogEntry.objects.get_for_object(app).get(cid=changed.batch)
    assert set(log.changes) == {"emergency_phone", "parent_name"}
    later = ledger.period.start_date + timedelta(days=1)
    refused = run(ledger, uni.college_admin_user, [row(a, ledger, start=later.isoformat(), reason="实习")])
    texts = [str(e) for e in refused.errors]
    assert any(t.startswith("第 2 行 · 留校开始日期 · ") and later.isoformat() in t for t in texts), texts
    assert StayApplication.objects.get(student=a).start_date == ledger.period.start_date


def _edit(content: bytes, changes: dict[tuple[int, str], object]) -> SimpleUploadedFile:
    """The exported workbook with cells changed: {(data row index, column header): value}."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header_row = next(r for r in sheet.iter_rows() if r[0].value == "学号")
    columns = {c.value: c.column for c in header_row}
    for (index, header), value in changes.items():
        sheet.cell(row=header_row[0].row + 1 + index, column=columns[header], value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("台账.xlsx", buffer.getvalue())


def _numbers(students) -> dict:
    return {
        app.student_id: (app.student.id_number, app.emergency_phone, app.parent_phone)
        for app in StayApplication.objects.filter(student__in=students).select_related("student")
    }


def test_the_masked_ledger_export_imports_again_as_a_stay_list(ledger, verified_client, office):
    """Round trip with the export every role gets (ID numbers and phones masked): correct a
    note in Excel, import the file again; the masked numbers mean "unchanged"."""
    uni = ledger.uni
    students = uni.students
    assert run(ledger, office, [row(student, ledger) for student in students]).ok
    before = _numbers(students)
    masked = verified_client(office).get(reverse("ledger:export")).content
    cells = str(list(openpyxl.load_workbook(io.BytesIO(masked)).active.values))
    assert students[0].id_number not in cells and idnumber.mask(students[0].id_number) in cells
    same = StayImporter(user=office, period=ledger.period).run(SimpleUploadedFile("台账.xlsx", masked))
    assert same.ok and (same.created, same.updated, same.unchanged) == (0, 0, 3), [str(e) for e in same.errors]
    # One note corrected: the preview shows only that change, the import writes only it.
    edited = _edit(masked, {(0, "具体说明"): "备考"})
    preview = StayImporter(user=office, period=ledger.period).run(edited, dry_run=True)
    assert preview.ok and (preview.created, preview.updated, preview.unchanged) == (0, 1, 2), [str(e) for e in preview.errors]
    assert [len(fields) for _label, fields in preview.changes] == [1]  # the note, no number
    edited.seek(0)
    done = StayImporter(user=office, period=ledger.period).run(edited)
    assert done.ok and (done.created, done.updated, done.unchanged) == (0, 1, 2), [str(e) for e in done.errors]
    assert StayApplication.objects.filter(reason_note="备考").count() == 1
    assert _numbers(students) == before
    # A full number typed over a masked one is a change like any other.
    phoned = StayImporter(user=office, period=ledger.period).run(_edit(masked, {(1, "家长电话"): "135-0000-0007"}))
    assert phoned.ok and phoned.updated == 1, [str(e) for e in phoned.errors]
    assert StayApplication.objects.filter(parent_phone="13500000007").count() == 1


def test_a_masked_number_that_is_not_the_stored_one_is_refused(ledger, verified_client, office):
    uni = ledger.uni
    a, b, c = uni.students
    assert run(ledger, office, [row(a, ledger), row(b, ledger)]).ok
    before = _numbers([a, b])
    assert a.id_number[-4:] != b.id_number[-4:]
    masked = verified_client(office).get(reverse("ledger:export")).content
    # Another number masked the same way is not "unchanged"; nor is another student's ID.
    wrong = StayImporter(user=office, period=ledger.period).run(
        _edit(
            masked,
            {(0, "紧急联系电话"): "139****1111", (1, "身份证号"): a.id_number[:4] + "*" * 10 + a.id_number[-4:], (0, "具体说明"): "x"},
        )
    )
    texts = [str(e) for e in wrong.errors]
    assert not wrong.ok and len(texts) == 2, texts
    assert any(t.startswith("第 4 行 · 紧急联系电话 · 脱敏的号码与系统中此人的号码不一致") for t in texts), texts
    assert any(t.startswith("第 5 行 · 身份证号 · 脱敏的号码与系统中此人的号码不一致") for t in texts), texts
    assert _numbers([a, b]) == before and not StayApplication.objects.filter(reason_note="x").exists()
    # A masked phone on a row that registers a new stay cannot stand for anything.
    new = StayImporter(user=office, period=ledger.period).run(
        _edit(masked, {(1, "学号"): c.student_number, (1, "姓名"): c.name, (1, "身份证号"): idnumber.mask(c.id_number)})
    )
    texts = [str(e) for e in new.errors]
    assert not new.ok, texts
    assert "第 5 行 · 紧急联系电话 · 脱敏的号码只能用于本期已登记的留校，且须与系统中的号码一致；请填写完整号码。" in texts, texts
    assert "第 5 行 · 家长电话 · 脱敏的号码只能用于本期已登记的留校，且须与系统中的号码一致；请填写完整号码。" in texts, texts
    assert not any("身份证号" in t for t in texts), texts  # c's own ID number, masked, matches the records
    assert not StayApplication.objects.filter(student=c).exists() and _numbers([a, b]) == before


def test_the_unmasked_ledger_export_imports_again_as_a_stay_list(ledger, verified_client, office):
    """Round trip with an approved unmasked export: correct a contact in Excel, import again."""
    uni = ledger.uni
    assert run(ledger, office, [row(student, ledger) for student in uni.students]).ok
    from fangxian.privacy.testing import approved_grant

    day = timezone.localdate().isoformat()
    grant = approved_grant(office, "ledger", params={"day": day})
    exported = verified_client(office).get(reverse("ledger:export"), {"day": day, "grant": grant.pk}).content
    same = StayImporter(user=office, period=ledger.period).run(SimpleUploadedFile("台账.xlsx", exported))
    assert same.ok and (same.created, same.updated, same.unchanged) == (0, 0, 3), [str(e) for e in same.errors]
    edited = StayImporter(user=office, period=ledger.period).run(_edit(exported, {(0, "家长电话"): "135-0000-0007"}))
    assert edited.ok and (edited.created, edited.updated, edited.unchanged) == (0, 1, 2), [str(e) for e in edited.errors]
    assert StayApplication.objects.filter(parent_phone="13500000007").count() == 1
