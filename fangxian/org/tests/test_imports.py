"""Organisation imports with real xlsx files: trees, students, staff and assignments."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangxian.core.importing import ImportOptions
from fangxian.core.xlsx import XLSX_CONTENT_TYPE, read_sheet
from fangxian.org.imports import AssignmentImporter, PlaceImporter, StaffImporter, StudentImporter, UnitImporter
from fangxian.org.models import Assignment, AssignmentRole, Place, Staff, Student, Unit
from fangxian.org.testing import StaffFactory, make_id_number

pytestmark = pytest.mark.django_db


def xlsx(*rows, name="f.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)


def run(importer_class, upload, dry_run=False, user=None):
    # These files create the trees they name: the choice the form offers.
    upload.seek(0)
    return importer_class(user=user).run(upload, dry_run=dry_run, options=ImportOptions(create=True))


def messages(report):
    return [str(error) for error in report.errors]


def counts(report):
    return (report.created, report.updated, report.unchanged)


def unit(*names):
    node = Unit.objects.get(kind="institution")
    for name in names:
        node = Unit.objects.get(parent=node, name=name)
    return node


def place(*names):
    node = Place.objects.get(parent=None, name=names[0])
    for name in names[1:]:
        node = Place.objects.get(parent=node, name=name)
    return node


def assert_paths_consistent():
    for model in (Unit, Place):
        for node in model.objects.select_related("parent"):
            assert (node.path, node.depth) == node.compute_path(), node


# -- administrative tree --------------------------------------------------------------------

UNIT_HEADER = ["学院/部门", "单位类型", "单位代码", "专业", "专业代码", "年级", "班级", "班级代码"]


def test_unit_tree_is_created_once_and_reimport_changes_nothing(uni):
    upload = xlsx(
        UNIT_HEADER,
        ["护理学院", "学院", "college-16", "护理学", "101101", "2022级", "护理学2022级1班", "c1"],
        ["护理学院", "", "", "护理学", "", "2022", "护理学2022级2班", ""],
        ["医学院", "", "", "临床医学", "", "2021级", "临床2021级2班", ""],
        ["疫情防控办公室", "部门", "prevention-office", "", "", "", "", ""],
    )
    report = run(UnitImporter, upload)
    assert report.ok, messages(report)
    assert counts(report) == (4, 0, 0)
    klass = unit("护理学院", "护理学", "2022级", "护理学2022级2班")
    assert klass.kind == "class" and klass.parent.kind == "grade"
    assert unit("护理学院").code == "college-16"
    assert unit("疫情防控办公室").kind == "department"
    assert unit("医学院", "临床医学", "2021级", "临床2021级2班").parent == uni.grade
    assert_paths_consistent()
    before = Unit.objects.count()
    again = run(UnitImporter, upload)
    assert again.ok and counts(again) == (0, 0, 4)
    assert Unit.objects.count() == before
    # A changed code is an update, nothing else moves.
    changed = run(UnitImporter, xlsx(UNIT_HEADER, ["护理学院", "学院", "college-99", "", "", "", "", ""]))
    assert counts(changed) == (0, 1, 0)
    assert unit("护理学院").code == "college-99"


def test_a_class_cannot_be_put_directly_under_a_college(uni):
    before = Unit.objects.count()
    report = run(UnitImporter, xlsx(UNIT_HEADER, ["医学院", "", "", "", "", "", "临床2021级9班", ""]))
    assert not report.ok
    assert messages(report)[0].startswith("第 2 行 · 专业 · "), messages(report)
    assert "班级" in messages(report)[0]
    report = run(UnitImporter, xlsx(UNIT_HEADER, ["医学院", "", "", "临床医学", "", "", "临床2021级9班", ""]))
    assert messages(report)[0].startswith("第 2 行 · 年级 · ")
    assert Unit.objects.count() == before


def test_unit_kinds_must_fit(uni):
    report = run(
        UnitImporter,
        xlsx(
            UNIT_HEADER,
            ["后勤管理处", "部门", "", "物业管理", "", "", "", ""],
            ["医学院", "部门", "", "", "", "", "", ""],
            ["新学院", "", "a", "", "", "", "", ""],
            ["新学院", "", "b", "", "", "", "", ""],
        ),
    )
    found = messages(report)
    assert found[0].startswith("第 2 行 · 专业 · ") and "部门" in found[0]
    assert found[1].startswith("第 3 行 · 学院/部门 · ") and "医学院" in found[1]
    assert found[2].startswith("第 5 行 · 单位代码 · ") and "第 4 行" in found[2]
    assert not Unit.objects.filter(name__in=["后勤管理处", "新学院"]).exists()


# -- spatial tree ---------------------------------------------------------------------------

PLACE_HEADER = ["校区", "楼栋", "房间", "床位", "用途", "性别"]


def test_place_tree_with_dorms_labs_and_gates(uni):
    upload = xlsx(
        PLACE_HEADER,
        ["校本部", "女生公寓2号楼", "201", "1号床", "宿舍", "女"],
        ["校本部", "女生公寓2号楼", "201", "2", "", ""],
        ["校本部", "实验楼", "301 化学实验室", "", "实验室", ""],
        ["校本部", "西门", "", "", "校门", ""],
        ["医学院校区", "", "", "", "", ""],
        ["校本部", "1号公寓", "101", "5号床", "", ""],
    )
    report = run(PlaceImporter, upload)
    assert report.ok, messages(report)
    assert counts(report) == (6, 0, 0)
    building = place("校本部", "女生公寓2号楼")
    assert (building.kind, building.use, building.gender) == ("building", "dorm", "F")
    bed = place("校本部", "女生公寓2号楼", "201", "2号床")
    assert (bed.kind, bed.gender, bed.parent.gender) == ("bed", "F", "F")
    lab = place("校本部", "实验楼", "301 化学实验室")
    assert (lab.use, lab.parent.use) == ("lab", "teaching")
    assert place("校本部", "西门").kind == "gate"
    assert place("医学院校区").kind == "campus"
    assert place("校本部", "1号公寓", "101", "5号床").parent == uni.room
    assert_paths_consistent()
    again = run(PlaceImporter, upload)
    assert again.ok and counts(again) == (0, 0, 6)


def test_place_rows_that_do_not_fit(uni):
    before = Place.objects.count()
    report = run(
        PlaceImporter,
        xlsx(
            PLACE_HEADER,
            ["校本部", "1号公寓", "103", "", "", "女"],
            ["校本部", "", "", "1号床", "", ""],
            ["校本部", "东门", "101", "", "", ""],
            ["校本部", "南门", "1", "", "校门", ""],
        ),
    )
    found = messages(report)
    assert found[0].startswith("第 2 行 · 性别 · "), found
    assert found[1].startswith("第 3 行 · 楼栋 · "), found
    assert found[2].startswith("第 4 行 · 楼栋 · ") and "校门" in found[2], found
    assert found[3].startswith("第 5 行 · 房间 · "), found
    assert Place.objects.count() == before


# -- students -------------------------------------------------------------------------------

STUDENT_HEADER = ["学号", "姓名", "性别", "身份证号", "手机号", "学院", "班级", "校区", "楼栋", "房间", "床位", "状态"]


def student_row(
    number, name="新同学", gender="男", id_number=None, phone="13900000001", klass="临床2021级1班", bed=("", "", "", ""), status=""
):
    id_number = id_number if id_number is not None else make_id_number(gender="M" if gender == "男" else "F")
    return [number, name, gender, id_number, phone, "", klass, *bed, status]


def existing_row(student, **changes):
    bed = student.bed
    values = {
        "number": student.student_number,
        "name": student.name,
        "gender": "男" if student.gender == "M" else "女",
        "id_number": student.id_number,
        "phone": student.phone,
        "klass": student.klass.name,
        "bed": (bed.parent.parent.parent.name, bed.parent.parent.name, bed.parent.name, bed.name) if bed else ("", "", "", ""),
        "status": "在读",
    }
    values.update(changes)
    return student_row(**values)


def test_students_are_created_and_updated_by_student_number(uni):
    first = uni.students[0]
    upload = xlsx(
        STUDENT_HEADER,
        student_row("2030999001", bed=("校本部", "1号公寓", "101", "4号床")),
        student_row("2030999002", name="走读生", gender="女", klass="汉语言2021级1班"),
        existing_row(first, phone="13711112222"),
    )
    report = run(StudentImporter, upload)
    assert report.ok, messages(report)
    assert counts(report) == (2, 1, 0)
    new = Student.objects.get(student_number="2030999001")
    assert (new.klass, new.bed, new.institution) == (uni.klass, uni.beds[3], uni.institution)
    assert Student.objects.get(student_number="2030999002").bed is None
    first.refresh_from_db()
    assert first.phone == "13711112222" and first.bed == uni.beds[0]
    again = run(StudentImporter, upload)
    assert again.ok and counts(again) == (0, 0, 3)


def test_two_students_can_swap_beds_in_one_file(uni):
    a, b = uni.students[0], uni.students[1]
    bed_a, bed_b = a.bed, b.bed
    report = run(
        StudentImporter,
        xlsx(
            STUDENT_HEADER,
            existing_row(a, bed=("校本部", "1号公寓", "101", bed_b.name)),
            existing_row(b, bed=("校本部", "1号公寓", "101", bed_a.name)),
        ),
    )
    assert report.ok, messages(report)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.bed, b.bed) == (bed_b, bed_a)


def test_a_bed_given_to_two_students_is_refused(uni):
    taken = uni.students[0]
    report = run(
        StudentImporter,
        xlsx(
            STUDENT_HEADER,
            student_row("2030999001", bed=("校本部", "1号公寓", "101", "4号床")),
            student_row("2030999002", bed=("校本部", "1号公寓", "101", "4号床")),
            student_row("2030999003", bed=("校本部", "1号公寓", "101", "1号床")),
        ),
    )
    found = messages(report)
    assert found[0].startswith("第 3 行 · 床位 · ") and "第 2 行" in found[0], found
    assert found[1].startswith("第 4 行 · 床位 · ") and taken.student_number in found[1], found
    assert not Student.objects.filter(student_number__startswith="2030999").exists()


def test_bed_gender_and_unknown_beds(uni):
    report = run(
        StudentImporter,
        xlsx(
            STUDENT_HEADER,
            student_row("2030999001", gender="女", bed=("校本部", "1号公寓", "101", "4号床")),
            student_row("2030999002", bed=("校本部", "1号公寓", "909", "1号床")),
            student_row("2030999003", bed=("校本部", "1号公寓", "", "1号床")),
        ),
    )
    found = messages(report)
    assert found[0].startswith("第 2 行 · 床位 · ") and "男" in found[0], found
    assert found[1].startswith("第 3 行 · 床位 · ") and "909" in found[1], found
    assert found[2].startswith("第 4 行 · 床位 · "), found


def test_wrong_check_digit_duplicate_number_and_unknown_class(uni):
    good = make_id_number(gender="M")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = Student.objects.count()
    report = run(
        StudentImporter,
        xlsx(
            STUDENT_HEADER,
            student_row("2030999001", id_number=bad),
            student_row("2030999002"),
            student_row("2030999002", name="重复"),
            student_row("2030999003", klass="不存在2021级1班"),
            student_row("2030999004", id_number=uni.students[1].id_number),
        ),
    )
    found = messages(report)
    assert any(m.startswith("第 2 行 · 身份证号 · ") and "GB 11643" in m for m in found), found
    assert "第 4 行 · 学号 · 与第 3 行重复。" in found
    assert any(m.startswith("第 5 行 · 班级 · ") and "不存在2021级1班" in m for m in found), found
    assert any(m.startswith("第 6 行 · 身份证号 · ") and uni.students[1].student_number in m for m in found), found
    assert Student.objects.count() == before
    # The error file has the rows where they were, with the problems in a last column.
    rows = read_sheet(report.error_file)
    assert rows[1][0] == "2030999001" and "身份证号" in rows[1][-1]
    assert rows[2][-1] == ""


def test_check_only_writes_nothing(uni):
    report = run(StudentImporter, xlsx(STUDENT_HEADER, student_row("2030999001")), dry_run=True)
    assert report.ok and report.dry_run and report.rows == 1
    assert not Student.objects.filter(student_number="2030999001").exists()


def test_files_that_are_not_xlsx_or_too_big_are_refused(uni, settings):
    report = run(StudentImporter, SimpleUploadedFile("students.xlsx", "学号,姓名\n1,张三\n".encode()))
    assert "不是 Excel" in messages(report)[0]
    settings.UPLOAD_MAX_BYTES = 2048
    big = xlsx(STUDENT_HEADER, *[student_row(f"2030{n:06d}") for n in range(200)])
    report = run(StudentImporter, big)
    assert "MB" in messages(report)[0] and not report.ok
    assert not Student.objects.filter(student_number__startswith="2030000").exists()


# -- staff ----------------------------------------------------------------------------------

STAFF_HEADER = ["工号", "姓名", "性别", "单位", "职务", "手机号"]


def test_staff_import_and_units_by_name_or_path(uni):
    upload = xlsx(
        STAFF_HEADER,
        ["T90001", "王老师", "女", "医学院", "辅导员", "13800001111"],
        ["T90002", "赵老师", "男", "医学院/临床医学/2021级", "班主任", ""],
        ["T90003", "孙老师", "男", "2021级", "", ""],
        ["T90004", "钱老师", "男", "火星学院", "", ""],
    )
    report = run(StaffImporter, upload)
    found = messages(report)
    assert found[0].startswith("第 4 行 · 单位 · ") and "医学院/临床医学/2021级" in found[0], found
    assert found[1].startswith("第 5 行 · 单位 · ") and "火星学院" in found[1], found
    assert not Staff.objects.filter(staff_number__startswith="T9").exists()
    good = xlsx(STAFF_HEADER, *[[c.value for c in r] for r in openpyxl.load_workbook(upload).active.iter_rows()][1:3])
    report = run(StaffImporter, good)
    assert report.ok and counts(report) == (2, 0, 0)
    assert Staff.objects.get(staff_number="T90002").unit == uni.grade
    assert counts(run(StaffImporter, good)) == (0, 0, 2)


# -- assignments ----------------------------------------------------------------------------

ASSIGNMENT_HEADER = ["工号", "角色", "对象", "开始日期", "结束日期", "备注"]


def test_assignments_import_and_reimport(uni):
    teacher = StaffFactory(unit=uni.college, staff_number="T80001")
    student = uni.students[0]
    upload = xlsx(
        ASSIGNMENT_HEADER,
        ["T80001", "班主任", "临床2021级1班", "2022-02-20", "", ""],
        ["T80001", "一对一责任人", student.student_number, "2022-07-14", "", "留校"],
        ["T80001", "门卫", "校本部/东门", "2022-07-14", "2022-08-31", ""],
        ["T80001", "负责人", "医学院/临床医学", date(2022, 3, 1), None, ""],
    )
    report = run(AssignmentImporter, upload)
    assert report.ok, messages(report)
    assert counts(report) == (4, 0, 0)
    held = Assignment.objects.filter(staff=teacher)
    assert held.get(role=AssignmentRole.CLASS_TEACHER).unit == uni.klass
    assert held.get(role=AssignmentRole.ONE_TO_ONE).student == student
    assert held.get(role=AssignmentRole.GATE_GUARD).place == uni.gate
    assert held.get(role=AssignmentRole.RESPONSIBLE).unit == uni.major
    for assignment in held:
        assignment.full_clean()
    assert counts(run(AssignmentImporter, upload)) == (0, 0, 4)
    ended = xlsx(ASSIGNMENT_HEADER, ["T80001", "班主任", "临床2021级1班", "2022-02-20", "2022-07-31", "交接"])
    assert counts(run(AssignmentImporter, ended)) == (0, 1, 0)
    assert held.get(role=AssignmentRole.CLASS_TEACHER).end_date == date(2022, 7, 31)


def test_bad_assignments_change_nothing(uni):
    StaffFactory(unit=uni.college, staff_number="T80001")
    before = Assignment.objects.count()
    report = run(
        AssignmentImporter,
        xlsx(
            ASSIGNMENT_HEADER,
            ["T80001", "班主任", "临床2021级1班", "2022-07-14", "2022-07-01", ""],
            ["T80001", "班主任", "医学院/临床医学/2021级", "2022-07-14", "", ""],
            ["T00000", "辅导员", "医学院/临床医学/2021级", "2022-07-14", "", ""],
            ["T80001", "一对一责任人", "9999999", "2022-07-14", "", ""],
            ["T80001", "实验室安全责任人", "校本部/1号公寓/101", "2022-07-14", "", ""],
            ["T80001", "校长", "医学院", "2022-07-14", "", ""],
            ["T80001", "门卫", "校本部/东门", "2022-07-01", "", ""],
            ["T80001", "门卫", "校本部/东门", "2022-08-01", "", ""],
        ),
    )
    found = messages(report)
    assert found[0].startswith("第 2 行 · 结束日期 · "), found
    assert found[1].startswith("第 3 行 · 对象 · ") and "班级" in found[1], found
    assert found[2].startswith("第 4 行 · 工号 · ") and "T00000" in found[2], found
    assert found[3].startswith("第 5 行 · 对象 · ") and "9999999" in found[3], found
    assert found[4].startswith("第 6 行 · 对象 · ") and "实验室" in found[4], found
    assert found[5].startswith("第 7 行 · 角色 · ") and "校长" in found[5], found
    assert found[6].startswith("第 9 行 · 开始日期 · ") and "第 8 行" in found[6], found
    assert Assignment.objects.count() == before


def test_an_assignment_overlapping_one_in_the_database_is_refused(uni):
    report = run(
        AssignmentImporter, xlsx(ASSIGNMENT_HEADER, [uni.counselor.staff_number, "辅导员", "医学院/临床医学/2021级", "2022-03-01", "", ""])
    )
    assert messages(report)[0].startswith("第 2 行 · 开始日期 · "), messages(report)
    # The same assignment (same start date) is recognised, not refused.
    same = run(
        AssignmentImporter, xlsx(ASSIGNMENT_HEADER, [uni.counselor.staff_number, "辅导员", "医学院/临床医学/2021级", "2022-01-01", "", ""])
    )
    assert same.ok and counts(same) == (0, 0, 1)


def test_assignments_import_takes_a_time_window(uni):
    StaffFactory(unit=uni.college, staff_number="T80001")
    header = [*ASSIGNMENT_HEADER, "开始时间", "结束时间"]
    shifts = xlsx(
        header,
        ["T80001", "班主任", "临床2021级1班", "", "", "", "2022-07-14 20:00", "2022-07-15 08:00"],
        ["T80001", "班主任", "临床2021级1班", "", "", "", "2022-07-15 20:00", "2022-07-16 08:00"],
    )
    report = run(AssignmentImporter, shifts)
    assert report.ok, messages(report)
    first, second = Assignment.objects.filter(role=AssignmentRole.CLASS_TEACHER).order_by("starts_at")
    assert (first.start_date, first.end_date) == (date(2022, 7, 14), date(2022, 7, 15))
    assert second.start_date == date(2022, 7, 15)
    assert counts(run(AssignmentImporter, shifts)) == (0, 0, 2)
    bad = run(
        AssignmentImporter,
        xlsx(
            header,
            ["T80001", "班主任", "临床2021级1班", "", "", "", "2022-08-01 20:00", "2022-08-01 08:00"],
            ["T80001", "班主任", "临床2021级1班", "", "", "", "明晚八点", ""],
            ["T80001", "班主任", "临床2021级1班", "", "", "", "", ""],
            ["T80001", "班主任", "临床2021级1班", "", "", "", "2022-07-15 06:00", "2022-07-15 09:00"],
        ),
    )
    found = messages(bad)
    assert found[0] == "第 2 行 · 结束时间 · 结束时间必须晚于开始时间。", found
    assert found[1].startswith("第 3 行 · 开始时间 · ") and "明晚八点" in found[1], found
    assert found[2] == "第 4 行 · 开始日期 · 请填写开始日期或开始时间。", found
    assert found[3].startswith("第 5 行 · 开始日期 · "), found  # overlaps the first night's shift
    assert Assignment.objects.count() == 6


# -- pages ----------------------------------------------------------------------------------


def test_only_the_prevention_office_may_import(uni, client, office, verified_client, make_user):
    index = reverse("org:import_index")
    page = reverse("org:import", args=["students"])
    response = client.get(page)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(page).status_code == 302
    client.force_login(uni.college_admin_user)
    assert client.get(index).status_code == 403
    assert client.post(page, {"file": xlsx(STUDENT_HEADER, student_row("2030999001"))}).status_code == 403
    assert not Student.objects.filter(student_number="2030999001").exists()
    client.force_login(make_user("inspector1", "discipline"))
    assert client.get(page).status_code == 403
    office_client = verified_client(office)
    response = office_client.get(index)
    assert response.status_code == 200
    for name in ("units", "places", "staff", "students", "assignments"):
        assert reverse("org:import", args=[name]) in response.content.decode()
        assert office_client.get(reverse("org:import", args=[name])).status_code == 200
    assert office_client.get(reverse("org:import", args=["nothing"])).status_code == 404


def test_template_download_has_chinese_headers(uni, office, verified_client):
    response = verified_client(office).get(reverse("org:import", args=["students"]), {"template": "1"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    rows = read_sheet(response.content)
    assert ["学号*", "姓名*", "性别*", "身份证号", "手机号", "学院", "班级*"] in [row[:7] for row in rows]
    # The template, filled in as it comes, imports (its example row names a real class).
    report = StudentImporter().run(SimpleUploadedFile("t.xlsx", response.content), dry_run=True)
    assert any("临床医学2021级1班" in m for m in messages(report))


def test_upload_shows_errors_and_serves_the_error_file(uni, office, verified_client):
    client = verified_client(office)
    page = reverse("org:import", args=["students"])
    bad = xlsx(STUDENT_HEADER, student_row("2030999001", klass="不存在2021级1班"))
    response = client.post(page, {"file": bad})
    assert response.status_code == 400
    text = response.content.decode()
    assert "第 2 行 · 班级 · " in text and "不存在2021级1班" in text
    token = response.context["error_token"]
    assert default_storage.exists(f"import-errors/{token}.xlsx")  # the storage every node shares
    download = client.get(reverse("import-errors", args=[token]))
    assert download.status_code == 200
    rows = read_sheet(b"".join(download.streaming_content))
    assert rows[1][0] == "2030999001" and "不存在2021级1班" in rows[1][-1]
    good = xlsx(STUDENT_HEADER, student_row("2030999001"))
    response = client.post(page, {"file": good, "check_only": "1"})
    assert response.status_code == 200 and not Student.objects.filter(student_number="2030999001").exists()
    good.seek(0)
    response = client.post(page, {"file": good})
    assert response.status_code == 200 and Student.objects.filter(student_number="2030999001").exists()
    assert 'data-testid="import-ok"' in response.content.decode()


def test_an_error_file_in_the_database_storage_is_served_by_any_node(uni, office, verified_client, settings, tmp_path):
    """On several app servers the download can reach another node: the error file is a row
    of the shared database storage, not a file on the disk of the node that wrote it."""
    from fangxian.core.models import StoredFile
    from fangxian.core.storage import DatabaseStorage

    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "fangxian.core.storage.DatabaseStorage"}}
    client = verified_client(office)
    bad = xlsx(STUDENT_HEADER, student_row("2030999001", klass="不存在2021级1班"))
    response = client.post(reverse("org:import", args=["students"]), {"file": bad})
    assert response.status_code == 400
    token = response.context["error_token"]
    name = f"import-errors/{token}.xlsx"
    assert StoredFile.objects.filter(name=name).exists()
    assert not (tmp_path / "import-errors").exists()  # nothing on this node's disk
    with DatabaseStorage().open(name) as handle:  # what another node reads
        assert read_sheet(handle.read())[1][0] == "2030999001"
    download = client.get(reverse("import-errors", args=[token]))
    assert download.status_code == 200 and download["Content-Type"] == XLSX_CONTENT_TYPE
    rows = read_sheet(b"".join(download.streaming_content))
    assert rows[1][0] == "2030999001" and "不存在2021级1班" in rows[1][-1]
    # Only the session that uploaded it may fetch it: the same user, logged in again, may not.
    client.logout()
    assert verified_client(office).get(reverse("import-errors", args=[token])).status_code == 404
    assert StoredFile.objects.filter(name=name).exists()
