"""Import batches: what an import did is recorded, previewed before it is written, and can
be undone while nothing later depends on it."""

import pytest
from django.urls import reverse

from fangxian.core.import_batches import undo_batch, undo_blockers
from fangxian.core.models import ImportBatch
from fangxian.core.xlsx import read_sheet
from fangxian.org.imports import StudentImporter
from fangxian.org.models import Assignment, AssignmentRole, Student
from fangxian.org.tests.test_import_safety import gender, messages, run, workbook

pytestmark = pytest.mark.django_db

HEADER = ["学号", "姓名", "性别", "班级", "手机号"]


def changing_file(uni):
    a = uni.students[0]
    return workbook(
        HEADER,
        [a.student_number, a.name, gender(a), a.klass.name, "13700000001"],
        ["2030999031", "新生甲", "女", uni.klass.name, "13700000002"],
    )


def test_check_only_previews_every_change_and_writes_nothing(uni, office):
    a = uni.students[0]
    report = run(StudentImporter, changing_file(uni), user=office, dry_run=True)
    assert report.ok and (report.created, report.updated, report.unchanged) == (1, 1, 0), messages(report)
    assert [label for label, _fields in report.changes] == [a.name]
    ((field, (old, new)),) = report.changes[0][1].items()
    assert field == "电话" and old.endswith(a.phone[-4:]) and new.endswith("0001")
    assert not Student.objects.filter(student_number="2030999031").exists()
    assert Student.objects.get(pk=a.pk).phone == a.phone
    assert not ImportBatch.objects.exists()


def test_an_import_is_a_batch_that_can_be_undone(uni, office):
    a = uni.students[0]
    report = run(StudentImporter, changing_file(uni), user=office)
    assert report.ok and report.batch_id
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.user, batch.importer, batch.created, batch.updated, batch.file_name) == (office, "students", 1, 1, "f.xlsx")
    assert len(batch.file_sha256) == 64 and batch.cid == report.batch
    assert undo_blockers(batch) == []
    assert undo_batch(batch, by=office) == []
    assert Student.objects.get(pk=a.pk).phone == a.phone
    assert not Student.objects.filter(student_number="2030999031").exists()
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.UNDONE and batch.undone_by == office
    assert undo_batch(batch, by=office) == ["这次导入已经撤销。"]


def test_what_blocks_an_undo_is_named(uni, office):
    a = uni.students[0]
    report = run(StudentImporter, changing_file(uni), user=office)
    batch = ImportBatch.objects.get(pk=report.batch_id)
    # The phone is changed again afterwards, and the new student is given a counselor.
    Student.objects.filter(pk=a.pk).update(phone="13700000009")
    new = Student.objects.get(student_number="2030999031")
    Assignment.objects.create(staff=uni.counselor, role=AssignmentRole.ONE_TO_ONE, student=new, start_date="2024-01-01")
    blockers = undo_blockers(batch)
    assert any(a.name in b and "电话" in b for b in blockers), blockers
    assert any("责任" in b or "assignment" in b.lower() for b in blockers), blockers
    assert undo_batch(batch, by=office) == blockers
    assert Student.objects.filter(pk=new.pk).exists() and Student.objects.get(pk=a.pk).phone == "13700000009"
    # A later import of the same rows blocks the earlier one.
    Student.objects.filter(pk=a.pk).update(phone="13700000001")
    Assignment.objects.filter(student=new).delete()
    later = run(StudentImporter, workbook(HEADER, [a.student_number, a.name, gender(a), a.klass.name, "13700000003"]), user=office)
    assert any(f"#{later.batch_id}" in b for b in undo_blockers(batch))


def test_the_batch_page_lists_and_undoes(uni, office, verified_client):
    report = run(StudentImporter, changing_file(uni), user=office)
    client = verified_client(office)
    page = client.get(reverse("org:import_batches"))
    assert page.status_code == 200 and f'data-testid="batch-{report.batch_id}"' in page.content.decode()
    response = client.post(reverse("org:import_batch_undo", args=[report.batch_id]), follow=True)
    assert "已撤销" in response.content.decode()
    assert ImportBatch.objects.get(pk=report.batch_id).state == ImportBatch.State.UNDONE


def test_a_checked_file_is_imported_by_confirming_the_preview(uni, office, verified_client):
    client = verified_client(office)
    page = reverse("org:import", args=["students"])
    upload = changing_file(uni)
    preview = client.post(page, {"file": upload, "check_only": "1", "blanks_clear": "1"})
    assert preview.status_code == 200 and not Student.objects.filter(student_number="2030999031").exists()
    text = preview.content.decode()
    assert "将新建 1 条、修改 1 条" in text and 'data-testid="import-changes"' in text and "13700000001"[-4:] in text
    token = preview.context["pending_token"]
    assert token and 'name="blanks_clear" value="1"' in text
    confirmed = client.post(page, {"pending": token, "blanks_clear": "1"})
    assert confirmed.status_code == 200 and confirmed.context["report"].ok
    assert Student.objects.filter(student_number="2030999031").exists()
    assert confirmed.context["report"].batch_id
    # A confirmation is used once, and only by the session that checked the file.
    again = client.post(page, {"pending": token})
    assert again.status_code == 400 and "重新上传" in again.content.decode()


DATABASE_STORAGE = {"BACKEND": "fangxian.core.storage.DatabaseStorage"}


@pytest.fixture(params=["filesystem", "database"])
def file_storage(request, settings, tmp_path):
    """Error and checked files live in default_storage, which every app server shares."""
    settings.MEDIA_ROOT = tmp_path
    if request.param == "database":
        settings.STORAGES = {**settings.STORAGES, "default": DATABASE_STORAGE}
    return request.param


def make_old(file_storage, name):
    """Age a stored file by two days, the way each storage keeps its time."""
    import os
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from fangxian.core.models import StoredFile

    two_days_ago = timezone.now() - timedelta(days=2)
    if file_storage == "database":
        assert StoredFile.objects.filter(name=name).update(created_at=two_days_ago) == 1
    else:
        os.utime(default_storage.path(name), (two_days_ago.timestamp(), two_days_ago.timestamp()))


def test_error_files_with_id_numbers_are_deleted_after_a_day(uni, office, verified_client, file_storage):
    from django.core.files.storage import default_storage

    client = verified_client(office)
    page = reverse("org:import", args=["students"])
    bad = workbook(HEADER, ["2030999041", "甲", "男", "没有的班", ""])
    first = client.post(page, {"file": bad})
    token = first.context["error_token"]
    name = f"import-errors/{token}.xlsx"
    assert default_storage.exists(name) and client.get(reverse("import-errors", args=[token])).status_code == 200
    make_old(file_storage, name)
    assert client.get(reverse("import-errors", args=[token])).status_code == 404
    assert not default_storage.exists(name)  # refused and deleted: it copies the upload
    bad.seek(0)
    second = client.post(page, {"file": bad})
    assert default_storage.exists(f"import-errors/{second.context['error_token']}.xlsx")
    # Any later failed upload sweeps the old files, error files and checked files alike.
    third_bad = workbook(HEADER, ["2030999042", "乙", "男", "没有的班", ""])
    make_old(file_storage, f"import-errors/{second.context['error_token']}.xlsx")
    checked = client.post(page, {"file": changing_file(uni), "check_only": "1"})
    pending = f"import-pending/{checked.context['pending_token']}.xlsx"
    assert default_storage.exists(pending)
    make_old(file_storage, pending)
    third = client.post(page, {"file": third_bad})
    assert default_storage.listdir("import-errors")[1] == [f"{third.context['error_token']}.xlsx"]
    assert default_storage.listdir("import-pending")[1] == []
    # The old checked file is refused, not imported.
    confirmed = client.post(page, {"pending": checked.context["pending_token"]})
    assert confirmed.status_code == 400 and not Student.objects.filter(student_number="2030999031").exists()


def test_checked_files_in_the_shared_storage_are_kept_five_at_most_and_confirmed_once(uni, office, verified_client, file_storage):
    """Five at most wait per session; the confirmed one is removed from the storage."""
    from django.core.files.storage import default_storage

    client = verified_client(office)
    page = reverse("org:import", args=["students"])
    tokens = [client.post(page, {"file": changing_file(uni), "check_only": "1"}).context["pending_token"] for _ in range(6)]
    assert sorted(default_storage.listdir("import-pending")[1]) == sorted(f"{token}.xlsx" for token in tokens[1:])
    assert client.post(page, {"pending": tokens[0]}).status_code == 400
    confirmed = client.post(page, {"pending": tokens[-1]})
    assert confirmed.status_code == 200 and confirmed.context["report"].ok
    assert Student.objects.filter(student_number="2030999031").exists()
    assert not default_storage.exists(f"import-pending/{tokens[-1]}.xlsx")


@pytest.mark.parametrize(("name", "importer_class", "count"), [("students", StudentImporter, 5), ("staff", None, None)])
def test_student_and_staff_lists_export_in_the_import_shape_and_import_again(uni, office, verified_client, name, importer_class, count):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangxian.audit.models import SecurityEvent
    from fangxian.org.imports import StaffImporter
    from fangxian.org.models import Staff

    importer_class = importer_class or StaffImporter
    count = count or Staff.objects.count()
    from fangxian.privacy.testing import approved_grant, assert_watermarked, last_export_record

    client = verified_client(office)
    # Masked for every role: the ID numbers and phones are not in the file.
    masked = client.get(reverse("org:import_export", args=[name]))
    assert_watermarked(masked, office)
    text = str(read_sheet(masked.content))
    secret = uni.students[0].id_number if name == "students" else uni.counselor.phone
    assert secret and secret not in text
    assert last_export_record(office).masked
    # With an approved unmasked export the list goes out whole, corrected and imported again.
    grant = approved_grant(office, f"import:{name}", args=(name,))
    response = client.get(reverse("org:import_export", args=[name]), {"grant": grant.pk})
    assert response.status_code == 200
    assert_watermarked(response, office)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, detail__rows=count, detail__grant=grant.pk).exists()
    assert not last_export_record(office).masked
    table = read_sheet(response.content)
    assert table[0][0].startswith(("内部资料", "Internal")) and table[1][0] in (
        "学号",
        "工号",
    )  # the import skips the rows above its header
    report = importer_class(user=office).run(SimpleUploadedFile("back.xlsx", response.content))
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, count), messages(report)
