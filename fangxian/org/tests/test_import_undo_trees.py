"""Tree and assignment imports are batches too: in the change log with their batch, and
undone (created rows removed, changed fields restored) while nothing depends on them."""

from datetime import date

import pytest
from auditlog.models import LogEntry

from fangxian.core.import_batches import undo_batch, undo_blockers
from fangxian.core.models import ImportBatch
from fangxian.org.imports import AssignmentImporter, PlaceImporter, UnitImporter
from fangxian.org.models import Assignment, AssignmentRole, Place, Unit
from fangxian.org.services import assignment_end
from fangxian.org.testing import StaffFactory, StudentFactory
from fangxian.org.tests.test_import_safety import messages, run, workbook

pytestmark = pytest.mark.django_db

UNIT_HEADER = ["学院/部门", "单位类型", "单位代码", "专业", "专业代码", "年级", "班级", "班级代码"]
PLACE_HEADER = ["校区", "楼栋", "房间", "床位", "用途", "性别"]
ASSIGNMENT_HEADER = ["工号", "角色", "对象", "开始日期", "结束日期", "备注"]


def unit_file():
    return workbook(
        UNIT_HEADER,
        ["公共卫生学院", "学院", "ph-01", "预防医学", "", "2024级", "预防2024级1班", ""],
        ["公共卫生学院", "学院", "ph-01", "预防医学", "", "2024级", "预防2024级2班", ""],
        ["医学院", "学院", "med-99", "", "", "", "", ""],  # an existing college, its code changed
    )


def test_a_unit_import_is_in_the_change_log_and_undone_whole(uni, office):
    report = run(UnitImporter, unit_file(), user=office, create=True)
    assert report.ok and report.created == 2 and report.updated == 1, messages(report)
    created = Unit.objects.filter(name__in=["公共卫生学院", "预防医学", "2024级", "预防2024级1班", "预防2024级2班"])
    assert created.count() == 5
    # The change log shows the import: one entry per new node, one for the changed code.
    logged = LogEntry.objects.filter(cid=report.batch)
    assert logged.filter(action=LogEntry.Action.CREATE).count() == 5
    (update,) = logged.filter(action=LogEntry.Action.UPDATE)
    assert update.object_id == uni.college.pk and update.changes["code"][1] == "med-99"
    assert update.additional_data == {"import": "units", "batch": report.batch}
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert undo_blockers(batch) == []
    assert undo_batch(batch, by=office) == []
    assert not Unit.objects.filter(name="公共卫生学院").exists() and not created.exists()
    uni.college.refresh_from_db()
    assert uni.college.code != "med-99"


def test_what_was_placed_in_an_imported_unit_since_blocks_its_undo(uni, office):
    report = run(UnitImporter, unit_file(), user=office, create=True)
    klass = Unit.objects.get(name="预防2024级1班")
    student = StudentFactory(klass=klass)
    grade = Unit.objects.get(name="2024级", parent__name="预防医学")
    Unit.objects.create(kind="class", name="预防2024级3班", parent=grade)  # added by hand
    renamed = Unit.objects.get(name="预防2024级2班")
    renamed.name = "预防2024级二班"
    renamed.save()
    batch = ImportBatch.objects.get(pk=report.batch_id)
    blockers = undo_blockers(batch)
    assert any("预防2024级二班" in text for text in blockers), blockers  # renamed since
    assert any("单位 1、学生 1" in text for text in blockers), blockers  # and the class made by hand
    assert undo_batch(batch, by=office) == blockers
    assert Unit.objects.filter(name="公共卫生学院").exists() and Unit.objects.filter(pk=student.klass_id).exists()


def test_a_place_import_is_undone_bed_by_bed(uni, office):
    upload = workbook(
        PLACE_HEADER,
        ["校本部", "女生公寓9号楼", "301", "1", "宿舍", "女"],
        ["校本部", "女生公寓9号楼", "301", "2", "", ""],
        ["校本部", "1号公寓", "102", "", "办公", ""],  # an existing room given another use
    )
    before = Place.objects.count()
    report = run(PlaceImporter, upload, user=office, create=True)
    assert report.ok, messages(report)
    assert Place.objects.count() == before + 4
    uni.other_room.refresh_from_db()
    assert uni.other_room.use == "office"
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert undo_batch(batch, by=office) == []
    assert Place.objects.count() == before and not Place.objects.filter(name="女生公寓9号楼").exists()
    uni.other_room.refresh_from_db()
    assert uni.other_room.use == "dorm"


def test_an_assignment_import_is_in_the_change_log_and_can_be_undone(uni, office):
    teacher = StaffFactory(unit=uni.college, staff_number="T80001")
    kept = Assignment.objects.create(staff=teacher, role=AssignmentRole.COUNSELOR, unit=uni.grade, start_date=date(2021, 9, 1))
    upload = workbook(
        ASSIGNMENT_HEADER,
        ["T80001", "班主任", "临床2021级1班", "2022-02-20", "", ""],
        ["T80001", "一对一责任人", uni.students[0].student_number, "2022-07-14", "", "留校"],
        ["T80001", "辅导员", "医学院/临床医学/2021级", "2021-09-01", "2022-08-31", "交接"],
    )
    report = run(AssignmentImporter, upload, user=office)
    assert report.ok and (report.created, report.updated) == (2, 1), messages(report)
    logged = LogEntry.objects.filter(cid=report.batch)
    assert logged.filter(action=LogEntry.Action.CREATE).count() == 2
    (update,) = logged.filter(action=LogEntry.Action.UPDATE)
    assert update.object_id == kept.pk and update.changes["end_date"] == ["None", "2022-08-31"]
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert undo_batch(batch, by=office) == []
    assert list(Assignment.objects.filter(staff=teacher).values_list("pk", "end_date", "note")) == [(kept.pk, None, "")]


def test_an_imported_assignment_ended_since_blocks_the_undo(uni, office):
    StaffFactory(unit=uni.college, staff_number="T80001")
    upload = workbook(ASSIGNMENT_HEADER, ["T80001", "班主任", "临床2021级1班", "2022-02-20", "", ""])
    report = run(AssignmentImporter, upload, user=office)
    assignment_end(assignment=Assignment.objects.get(role=AssignmentRole.CLASS_TEACHER, staff__staff_number="T80001"), on=date(2022, 7, 1))
    batch = ImportBatch.objects.get(pk=report.batch_id)
    blockers = undo_blockers(batch)
    assert len(blockers) == 1 and "修改" in blockers[0], blockers
    assert undo_batch(batch, by=office) == blockers
    assert Assignment.objects.filter(staff__staff_number="T80001").count() == 1


def test_the_batch_page_leaves_the_check_of_large_imports_to_the_undo(uni, office, verified_client, monkeypatch):
    from django.urls import reverse

    from fangxian.org import import_views

    report = run(UnitImporter, unit_file(), user=office, create=True)
    StudentFactory(klass=Unit.objects.get(name="预防2024级1班"))  # blocks the undo
    monkeypatch.setattr(import_views, "LIST_CHECK_LIMIT", 3)  # this batch wrote 6 rows
    client = verified_client(office)
    page = client.get(reverse("org:import_batches")).content.decode()
    assert 'data-testid="batch-undo"' in page and 'data-testid="batch-blockers"' not in page
    response = client.post(reverse("org:import_batch_undo", args=[report.batch_id]), follow=True)
    assert "学生 1" in response.content.decode()
    assert Unit.objects.filter(name="公共卫生学院").exists()


def test_the_audit_admin_finds_a_tree_import_in_the_change_log_by_its_batch(uni, office, auditor, verified_client):
    from django.urls import reverse

    report = run(UnitImporter, unit_file(), user=office, create=True)
    page = verified_client(auditor).get(reverse("audit:log"), {"request_id": report.batch}).content.decode()
    for name in ("公共卫生学院", "预防医学", "预防2024级1班", "医学院"):
        assert name in page, name
