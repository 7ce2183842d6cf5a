"""Imports that do no silent damage: absent columns, blank cells, hidden and extra data,
invisible characters, office habits. Workbooks are generated here with openpyxl."""

import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from fangxian.audit.models import SecurityEvent
from fangxian.core.importing import ImportOptions
from fangxian.core.xlsx import XLSX_CONTENT_TYPE
from fangxian.org.imports import StaffImporter, StudentImporter
from fangxian.org.models import Student

pytestmark = pytest.mark.django_db


def workbook(*rows, hide_rows=(), hide_columns=(), extra_sheets=None, autofilter=False):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for number in hide_rows:
        sheet.row_dimensions[number].hidden = True
    for letter in hide_columns:
        sheet.column_dimensions[letter].hidden = True
    if autofilter:
        sheet.auto_filter.ref = f"A1:{openpyxl.utils.get_column_letter(len(rows[0]))}{len(rows)}"
    for title, sheet_rows in (extra_sheets or {}).items():
        other = book.create_sheet(title)
        for row in sheet_rows:
            other.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("f.xlsx", buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)


def run(importer_class, upload, user=None, dry_run=False, **options):
    upload.seek(0)
    return importer_class(user=user).run(upload, dry_run=dry_run, options=ImportOptions(**options))


def messages(report):
    return [str(error) for error in report.errors]


def gender(student):
    return "男" if student.gender == "M" else "女"


# -- a column that is absent leaves the field alone -------------------------------------------


def test_a_roster_without_columns_changes_only_what_it_has(uni, office):
    graduated = uni.students[0]
    graduated.status = Student.Status.GRADUATED
    graduated.save()
    before = {s.pk: (s.id_number, s.phone, s.bed_id, s.status) for s in uni.students}
    upload = workbook(
        ["学号", "姓名", "性别", "班级"],
        *[[s.student_number, s.name, gender(s), s.klass.name] for s in uni.students],
    )
    report = run(StudentImporter, upload, user=office)
    assert report.ok, messages(report)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    for student in Student.objects.filter(pk__in=before):
        assert (student.id_number, student.phone, student.bed_id, student.status) == before[student.pk]
    assert Student.objects.get(pk=graduated.pk).status == Student.Status.GRADUATED


def test_blank_cells_clear_only_when_asked_and_every_change_is_logged_with_the_batch(uni, office):
    student = uni.students[1]
    rows = (["学号", "姓名", "性别", "班级", "手机号"], [student.student_number, student.name, gender(student), student.klass.name, ""])
    kept = run(StudentImporter, workbook(*rows), user=office)
    assert kept.ok and kept.unchanged == 1
    assert Student.objects.get(pk=student.pk).phone == student.phone
    cleared = run(StudentImporter, workbook(*rows), user=office, blanks_clear=True)
    assert cleared.ok and cleared.updated == 1, messages(cleared)
    assert Student.objects.get(pk=student.pk).phone == ""
    entry = LogEntry.objects.get_for_object(student).get(action=LogEntry.Action.UPDATE)
    assert set(entry.changes) == {"phone"} and entry.changes["phone"][1] == "None"
    assert entry.actor == office and entry.additional_data["import"] == "students"
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.IMPORT).latest("pk")
    assert entry.cid == entry.additional_data["batch"] == event.detail["batch"]


def test_a_new_student_and_a_status_change_are_in_the_change_log(uni, office):
    student = uni.students[2]
    upload = workbook(
        ["学号", "姓名", "性别", "班级", "状态"],
        [student.student_number, student.name, gender(student), student.klass.name, "毕业"],
        ["2030999001", "新同学", "女", uni.klass.name, ""],
    )
    report = run(StudentImporter, upload, user=office)
    assert report.ok and (report.created, report.updated) == (1, 1), messages(report)
    change = LogEntry.objects.get_for_object(student).get(action=LogEntry.Action.UPDATE)
    assert change.changes == {"status": ["enrolled", "graduated"]}
    new = Student.objects.get(student_number="2030999001")
    assert new.status == Student.Status.ENROLLED
    created = LogEntry.objects.get_for_object(new).get(action=LogEntry.Action.CREATE)
    assert created.changes["student_number"] == ["None", "2030999001"] and created.cid == change.cid


def test_staff_without_title_and_phone_columns_keep_them(uni, office):
    staff = uni.counselor
    staff.title = "辅导员"
    staff.save()
    upload = workbook(["工号", "姓名", "性别", "单位"], [staff.staff_number, staff.name, "女", "医学院"])
    report = run(StaffImporter, upload, user=office)
    assert report.ok and report.unchanged == 1, messages(report)
    staff.refresh_from_db()
    assert (staff.title, staff.phone) == ("辅导员", uni.counselor.phone)
    renamed = workbook(["工号", "姓名", "性别", "单位", "职务"], [staff.staff_number, staff.name, "女", "医学院", "副书记"])
    report = run(StaffImporter, renamed, user=office)
    assert report.ok and report.updated == 1
    assert LogEntry.objects.get_for_object(staff).get(cid=report.batch).changes == {"title": ["辅导员", "副书记"]}


# -- hidden and extra data ------------------------------------------------------------------


def test_a_bracketed_header_is_another_column(uni):
    student = uni.students[0]
    upload = workbook(
        ["学号", "姓名", "性别", "班级", "联系电话（家长）"],
        [student.student_number, student.name, gender(student), student.klass.name, "13800000000"],
    )
    report = run(StudentImporter, upload)
    assert report.ok and report.unchanged == 1, messages(report)
    assert Student.objects.get(pk=student.pk).phone == student.phone
    assert any("联系电话（家长）" in note for note in report.notes), report.notes
    # An annotation in brackets still matches.
    annotated = workbook(
        ["学号（必填）", "姓名", "性别", "班级"], [student.student_number, student.name, gender(student), student.klass.name]
    )
    assert run(StudentImporter, annotated).ok


def test_hidden_rows_and_columns_are_asked_about_then_handled_as_chosen(uni):
    a, b = uni.students[0], uni.students[1]
    upload = workbook(
        ["学号", "姓名", "性别", "班级", "手机号"],
        [a.student_number, a.name, gender(a), a.klass.name, "13712345678"],
        [b.student_number, b.name, gender(b), b.klass.name, "13712345679"],
        ["2030999002", "隐藏行", "男", uni.klass.name, "13712345670"],
        hide_rows=(3, 4),
        hide_columns=("E",),
        autofilter=True,
    )
    asked = run(StudentImporter, upload)
    assert asked.questions and not asked.ok
    text = " ".join(messages(asked))
    assert "被筛选隐藏" in text and "3、4" in text and "E" in text
    assert not Student.objects.filter(student_number="2030999002").exists()
    skipped = run(StudentImporter, upload, hidden_rows="skip", hidden_columns="skip")
    assert skipped.ok and (skipped.created, skipped.updated, skipped.unchanged) == (0, 0, 1), messages(skipped)
    assert Student.objects.get(pk=a.pk).phone == a.phone  # the hidden phone column was left out
    assert any("3、4" in note for note in skipped.notes)
    included = run(StudentImporter, upload, hidden_rows="include", hidden_columns="include")
    assert included.ok and included.created == 1
    assert Student.objects.get(pk=a.pk).phone == "13712345678"


def test_other_sheets_are_not_ignored_silently(uni):
    a = uni.students[0]
    header = ["学号", "姓名", "性别", "班级"]
    upload = workbook(
        header,
        [a.student_number, a.name, gender(a), a.klass.name],
        extra_sheets={"二班": [header, ["2030999003", "二班同学", "女", uni.other_klass.name]], "空表": []},
    )
    asked = run(StudentImporter, upload)
    assert asked.questions and "二班" in messages(asked)[0] and "空表" not in messages(asked)[0]
    report = run(StudentImporter, upload, sheet="二班")
    assert report.ok and report.created == 1, messages(report)
    assert Student.objects.get(student_number="2030999003").klass == uni.other_klass
    missing = run(StudentImporter, upload, sheet="三班")
    assert "三班" in messages(missing)[0] and "二班" in messages(missing)[0]


# -- invisible characters and office habits ---------------------------------------------------


def test_invisible_characters_do_not_make_a_new_student_nor_change_a_name(uni):
    a, b, c = uni.students
    Student.objects.filter(pk=c.pk).update(name="欧阳　明")  # an inner ideographic space is the name as written
    upload = workbook(
        ["学号", "姓名", "性别", "班级"],
        [f"\ufeff{a.student_number}\u200b", f"{a.name}\u3000", gender(a), a.klass.name],
        [f"'{b.student_number}", f"\u3000{b.name} ", gender(b), b.klass.name],
        [f" {c.student_number} ", "欧阳　明", gender(c), c.klass.name],
    )
    report = run(StudentImporter, upload)
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, 3), messages(report)
    assert Student.objects.count() == 5


def test_a_totals_row_ends_the_table_and_phones_are_read_as_offices_write_them(uni):
    a, b = uni.students[0], uni.students[1]
    upload = workbook(
        ["学号", "姓名", "性别", "班级", "手机号"],
        [a.student_number, a.name, gender(a), a.klass.name, "+86 137-1234-5678"],
        [b.student_number, b.name, gender(b), b.klass.name, "137 1234 5679"],
        ["合计：2 人"],
        ["填表人：张老师", "", "审核人：李老师"],
    )
    report = run(StudentImporter, upload)
    assert report.ok and report.updated == 2, messages(report)
    assert Student.objects.get(pk=a.pk).phone == "13712345678"
    assert Student.objects.get(pk=b.pk).phone == "13712345679"
    assert any("第 4 行" in note for note in report.notes), report.notes


def test_all_rows_are_checked_in_one_pass(uni):
    upload = workbook(
        ["学号", "姓名", "性别", "班级"],
        ["2030999011", "甲", "男", "没有的班"],
        ["2030999012", "乙", "未知", uni.klass.name],
        ["2030999013", "丙", "女", "另一个没有的班"],
    )
    report = run(StudentImporter, upload)
    assert [error.row for error in report.errors] == [2, 3, 4]
    assert not Student.objects.filter(student_number__startswith="2030999").exists()


# -- typos must not create organisation ---------------------------------------------------


def test_units_and_places_are_created_only_when_asked(uni):
    from fangxian.org.imports import PlaceImporter, UnitImporter
    from fangxian.org.models import Place, Unit

    units = workbook(["学院/部门", "专业"], ["护理学院", "护理学"])
    refused = run(UnitImporter, units)
    assert messages(refused) == [
        "第 2 行 · 学院/部门 · 这里没有名为“护理学院”的学院。请改正名称，或勾选“新建文件中尚不存在的单位和场所”来新建。"
    ]
    assert not Unit.objects.filter(name="护理学院").exists()
    checked = run(UnitImporter, units, dry_run=True, create=True)
    assert checked.ok and any("学院 1" in note and "护理学院/护理学" in note for note in checked.notes), checked.notes
    assert run(UnitImporter, units, create=True).ok
    assert Unit.objects.filter(name="护理学", parent__name="护理学院").exists()
    places = workbook(["校区", "楼栋", "房间"], ["校本部", "2号公寓", "201"])
    assert not run(PlaceImporter, places).ok
    assert run(PlaceImporter, places, create=True).ok and Place.objects.filter(name="201").exists()


@pytest.mark.parametrize(
    ("row", "existing"),
    [
        (["医学 院", "临床医学"], "医学院"),
        (["医学院（本部）", "临床医学"], "医学院"),
        (["ＡＢＣ学院"], None),  # a genuinely new name is not flagged
    ],
)
def test_near_duplicate_units_are_flagged_with_the_existing_name(uni, row, existing):
    from fangxian.org.imports import UnitImporter
    from fangxian.org.models import Unit

    count = Unit.objects.count()
    report = run(UnitImporter, workbook(["学院/部门", "专业"][: len(row)], row), create=True)
    if existing is None:
        assert report.ok, messages(report)
        return
    assert not report.ok and f"现有的学院“{existing}”" in messages(report)[0], messages(report)
    assert Unit.objects.count() == count


def test_near_duplicate_rooms_and_buildings_are_flagged(uni):
    from fangxian.org.imports import PlaceImporter
    from fangxian.org.models import Place

    count = Place.objects.count()
    building = uni.building.name
    report = run(
        PlaceImporter,
        workbook(
            ["校区", "楼栋", "房间"],
            ["校本部", building, "101室"],
            ["校本部", f"{building} ", "102"],
            ["校本部", "9号楼", ""],
            ["校本部", "9栋", ""],
        ),
        create=True,
    )
    text = messages(report)
    assert len(text) == 2, text
    assert text[0].startswith("第 2 行 · 房间 · ") and "现有的房间“101”" in text[0]
    assert text[1].startswith("第 5 行 · 楼栋 · ") and "第 4 行" in text[1] and "9号楼" in text[1]
    assert Place.objects.count() == count


# -- concurrency ------------------------------------------------------------------------------


def test_a_second_upload_while_one_runs_gets_a_message_not_an_error(uni, office, verified_client):
    from django.urls import reverse

    from fangxian.core.import_views import import_lock

    client = verified_client(office)
    page = reverse("org:import", args=["students"])
    upload = workbook(["学号", "姓名", "性别", "班级"], ["2030999021", "并发", "男", uni.klass.name])
    with import_lock("students"):  # the first post of the same file, still running
        response = client.post(page, {"file": upload})
    assert response.status_code == 409
    assert "同类导入正在进行" in response.content.decode()
    assert not Student.objects.filter(student_number="2030999021").exists()
    upload.seek(0)
    response = client.post(page, {"file": upload})
    assert response.status_code == 200 and Student.objects.filter(student_number="2030999021").exists()
    # The form disables its button once submitted (static/core/import.js).
    text = response.content.decode()
    assert "data-import-form" in text and "core/import.js" in text


def test_a_mistyped_class_is_refused_with_the_existing_name_suggested(uni):
    report = run(StudentImporter, workbook(["学号", "姓名", "性别", "班级"], ["2030999061", "甲", "男", "临床2021级 1班"]))
    assert messages(report) == ["第 2 行 · 班级 · 没有名为“临床2021级 1班”的班级。是不是“临床2021级1班”？"]
