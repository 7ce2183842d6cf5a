"""The masked student and staff lists (what every role exports) go round: corrected in
Excel and imported again, a masked ID number or phone that masks the person's stored number
means "unchanged"; on a new person, or when it masks another number, it is refused by row
and column, and nothing is written."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangxian.core import idnumber
from fangxian.core.import_batches import undo_batch
from fangxian.core.models import ImportBatch
from fangxian.org.imports import StaffImporter, StudentImporter
from fangxian.org.models import Staff, Student
from fangxian.org.tests.test_import_safety import messages, run

pytestmark = pytest.mark.django_db

NEW_PERSON = "脱敏的号码只能用于已有的人，且须与系统中的号码一致；请填写完整号码。"
MISMATCH = "脱敏的号码与系统中此人的号码不一致"

KINDS = {
    # name: (importer, model, key field, key header, the column an office corrects)
    "students": (StudentImporter, Student, "student_number", "学号", "姓名"),
    "staff": (StaffImporter, Staff, "staff_number", "工号", "职务"),
}


def masked_export(client, name: str) -> bytes:
    response = client.get(reverse("org:import_export", args=[name]))
    assert response.status_code == 200
    return response.content


def edit(content: bytes, key_header: str, changes: dict[tuple[str, str], object], new_rows=()) -> SimpleUploadedFile:
    """The exported workbook with cells changed ({(person's number, header): value}) and
    rows appended ({header: value} each)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    header = next(r for r in sheet.iter_rows() if r[0].value == key_header)
    columns = {cell.value: cell.column for cell in header}
    rows = {sheet.cell(row=r, column=1).value: r for r in range(header[0].row + 1, sheet.max_row + 1)}
    for (number, column), value in changes.items():
        sheet.cell(row=rows[number], column=columns[column], value=value)
    for values in new_rows:
        line = sheet.max_row + 1
        for column, value in values.items():
            sheet.cell(row=line, column=columns[column], value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("back.xlsx", buffer.getvalue())


def numbers(model) -> dict:
    return {pk: (id_number, phone) for pk, id_number, phone in model.objects.values_list("pk", "id_number", "phone")}


def row_of(content: bytes, key_header: str, number: str) -> int:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return next(cell.row for cell in book.active["A"] if cell.value == number)


@pytest.fixture
def people(uni):
    """Every staff member with an ID number too (the factories give staff only a phone)."""
    for staff in Staff.objects.all():
        staff.id_number = idnumber_for(staff.pk)
        staff.save(update_fields=["id_number"])
    return uni


def idnumber_for(seed: int) -> str:
    # Three digits of sequence: PostgreSQL's keys keep counting across tests and pass 999.
    first17 = f"62010219900101{seed % 1000:03d}"
    return first17 + idnumber.check_digit(first17)


@pytest.mark.parametrize("name", ["students", "staff"])
def test_a_masked_export_corrected_in_one_cell_imports_again(people, office, verified_client, name):
    importer_class, model, key, key_header, corrected = KINDS[name]
    client = verified_client(office)
    content = masked_export(client, name)
    person = model.objects.order_by(key).first()
    cells = str(list(openpyxl.load_workbook(io.BytesIO(content)).active.values))
    assert person.id_number not in cells and idnumber.mask(person.id_number) in cells
    assert person.phone not in cells and idnumber.mask_phone(person.phone) in cells
    before, count = numbers(model), model.objects.count()
    # As exported: every row unchanged.
    same = run(importer_class, SimpleUploadedFile("same.xlsx", content), user=office)
    assert same.ok and (same.created, same.updated, same.unchanged) == (0, 0, count), messages(same)
    # One other cell corrected: the preview names only that change; the import writes only it.
    value = "改正后" if name == "students" else "辅导员改"
    upload = edit(content, key_header, {(getattr(person, key), corrected): value})
    preview = run(importer_class, upload, user=office, dry_run=True)
    assert preview.ok and (preview.created, preview.updated, preview.unchanged) == (0, 1, count - 1), messages(preview)
    assert [len(fields) for _label, fields in preview.changes] == [1]
    report = run(importer_class, upload, user=office)
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 1, count - 1), messages(report)
    field = "name" if name == "students" else "title"
    assert getattr(model.objects.get(pk=person.pk), field) == value
    assert numbers(model) == before
    # The batch undoes as any other: the cell back, the numbers as they were.
    assert undo_batch(ImportBatch.objects.get(pk=report.batch_id), by=office) == []
    assert getattr(model.objects.get(pk=person.pk), field) == getattr(person, field)
    assert numbers(model) == before


def test_the_import_page_previews_a_masked_student_list(people, office, verified_client):
    client = verified_client(office)
    content = masked_export(client, "students")
    person = Student.objects.order_by("student_number").first()
    upload = edit(content, "学号", {(person.student_number, "姓名"): "改正后"})
    page = client.post(reverse("org:import", args=["students"]), {"file": upload, "check_only": "1"})
    report = page.context["report"]
    assert page.status_code == 200 and report.ok and report.updated == 1, messages(report)
    assert Student.objects.get(pk=person.pk).name == person.name


@pytest.mark.parametrize("name", ["students", "staff"])
def test_a_masked_number_on_a_new_person_is_refused(people, office, verified_client, name):
    importer_class, model, key, key_header, corrected = KINDS[name]
    content = masked_export(verified_client(office), name)
    person = model.objects.order_by(key).first()
    before, count = numbers(model), model.objects.count()
    new = {key_header: "NEW0001", "姓名": "新来的", "性别": "女", "身份证号": "6201**********123X", "手机号": "138****5678"}
    new |= {"班级": people.klass.name} if name == "students" else {"单位": people.college.name}
    upload = edit(content, key_header, {(getattr(person, key), corrected): "不应写入"}, new_rows=[new])
    report = run(importer_class, upload, user=office)
    upload.seek(0)
    line = openpyxl.load_workbook(io.BytesIO(upload.read())).active.max_row
    assert not report.ok
    assert sorted(messages(report)) == sorted([f"第 {line} 行 · 身份证号 · {NEW_PERSON}", f"第 {line} 行 · 手机号 · {NEW_PERSON}"]), (
        messages(report)
    )
    assert model.objects.count() == count and numbers(model) == before
    assert not model.objects.filter(**{corrected_field(name): "不应写入"}).exists()


@pytest.mark.parametrize("name", ["students", "staff"])
def test_a_mask_that_does_not_match_the_stored_number_is_refused(people, office, verified_client, name):
    importer_class, model, key, key_header, corrected = KINDS[name]
    content = masked_export(verified_client(office), name)
    first, second = model.objects.order_by(key)[:2]
    assert first.id_number[-4:] != second.id_number[-4:] and first.phone[-4:] != second.phone[-4:]
    before = numbers(model)
    changes = {
        # Another person's masked ID number, and a phone masked like the stored one but another.
        (getattr(first, key), "身份证号"): idnumber.mask(second.id_number),
        (getattr(first, key), "手机号"): idnumber.mask_phone(first.phone)[:-4] + "9999",
        (getattr(second, key), corrected): "不应写入",
    }
    upload = edit(content, key_header, changes)
    report = run(importer_class, upload, user=office)
    line = row_of(content, key_header, getattr(first, key))
    texts = messages(report)
    assert not report.ok and len(texts) == 2, texts
    assert any(t.startswith(f"第 {line} 行 · 身份证号 · {MISMATCH}") for t in texts), texts
    assert any(t.startswith(f"第 {line} 行 · 手机号 · {MISMATCH}") for t in texts), texts
    assert numbers(model) == before and not model.objects.filter(pk=second.pk, **{corrected_field(name): "不应写入"}).exists()


def corrected_field(name: str) -> str:
    return "name" if name == "students" else "title"
