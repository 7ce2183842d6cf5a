"""ID numbers and phones encrypted at rest (fangxian.core.sealed): the columns hold no plain
number, lookups and uniqueness still work, imports still find people, keys rotate, and a
missing or wrong key is named, never silently read as something else."""

from __future__ import annotations

import base64
import io
import os

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.core.checks import run_checks
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from fangxian.core import sealed
from fangxian.core.import_batches import undo_batch
from fangxian.core.importing import ImportOptions
from fangxian.core.models import ImportBatch
from fangxian.org.imports import StudentImporter
from fangxian.org.models import Staff, Student
from fangxian.org.testing import StudentFactory, make_id_number
from fangxian.org.tests.test_imports import STUDENT_HEADER, existing_row, student_row, xlsx

pytestmark = pytest.mark.django_db

NEW_KEY = "k1:" + base64.b64encode(os.urandom(64)).decode()


def raw(model, pk, *columns) -> tuple:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(model._meta.db_table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("seal_rotate", *args, stdout=out)
    return out.getvalue()


def test_the_columns_hold_no_plain_number_and_the_models_read_it_back(uni):
    student = uni.students[0]
    stored_id, stored_phone = raw(Student, student.pk, "id_number", "phone")
    for stored, plain in ((stored_id, student.id_number), (stored_phone, student.phone)):
        assert stored.startswith("k0:") and plain not in stored and plain[-4:] not in stored
    # Equal values under one key give equal texts (the keyed hash), different ones differ.
    assert raw(Student, uni.students[1].pk, "id_number")[0] != stored_id
    fresh = Student.objects.get(pk=student.pk)
    assert (fresh.id_number, fresh.phone) == (student.id_number, student.phone)
    assert Student.objects.filter(pk=student.pk).values_list("id_number", flat=True).get() == student.id_number
    staff = uni.counselor
    assert raw(Staff, staff.pk, "phone")[0].startswith("k0:") and Staff.objects.get(pk=staff.pk).phone == staff.phone


def test_blank_stays_blank(uni):
    student = StudentFactory(klass=uni.klass, id_number="", phone="")
    assert raw(Student, student.pk, "id_number", "phone") == ("", "")
    assert Student.objects.get(pk=student.pk).id_number == ""
    assert Student.objects.filter(pk=student.pk, id_number="").exists()
    assert not Student.objects.filter(pk=student.pk).exclude(phone="").exists()


def test_exact_and_in_lookups_and_uniqueness(uni):
    a, b = uni.students[0], uni.students[1]
    assert list(Student.objects.filter(id_number=a.id_number)) == [a]
    assert set(Student.objects.filter(id_number__in=[a.id_number, b.id_number, "110101199001011234"])) == {a, b}
    assert list(Student.objects.filter(phone=a.phone, id_number=a.id_number)) == [a]
    assert not Student.objects.filter(id_number__in=[]).exists()
    # The model's check (forms, services) and the database's constraint both refuse a twin.
    twin = Student(institution=uni.institution, klass=uni.klass, name="重号", gender="M", student_number="x1", id_number=a.id_number)
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "__all__" in refused.value.message_dict or "id_number" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # Blank ID numbers are not unique.
    StudentFactory(klass=uni.klass, id_number="")
    StudentFactory(klass=uni.klass, id_number="")


def test_lookups_that_mean_nothing_on_ciphertext_are_refused_by_name(uni):
    for lookup in ("contains", "icontains", "startswith", "iexact", "gt", "regex"):
        with pytest.raises(FieldError, match=r"org\.Student\.id_number is sealed"):
            Student.objects.filter(**{f"id_number__{lookup}": "1101"})
    with pytest.raises(FieldError, match=r"org\.Student\.phone is sealed"):
        Student.objects.filter(phone__upper="1")
    assert Student.objects.filter(id_number__isnull=True).count() == 0


def test_an_import_by_id_number_finds_the_student_and_refuses_a_taken_number(uni):
    taken = uni.students[0]
    upload = xlsx(STUDENT_HEADER, student_row("2030999001", id_number=taken.id_number))
    report = StudentImporter(user=None).run(upload, dry_run=False, options=ImportOptions(create=True))
    assert not report.ok and taken.student_number in str(report.errors[0])
    number = make_id_number()
    upload = xlsx(
        STUDENT_HEADER, student_row("2030999001", id_number=number, phone="13911112222"), existing_row(taken, phone="13722223333")
    )
    report = StudentImporter(user=None).run(upload, dry_run=False, options=ImportOptions(create=True))
    assert report.ok, [str(e) for e in report.errors]
    new = Student.objects.get(id_number=number)  # written by the bulk INSERT, found by the lookup
    assert new.student_number == "2030999001" and raw(Student, new.pk, "id_number")[0] != number
    assert Student.objects.get(pk=taken.pk).phone == "13722223333"
    # The undo record keeps the old and new phone sealed, and the undo restores the old one.
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert "13722223333" not in str(batch.changed_fields) and number not in str(batch.created_objects)
    assert "13722223333" not in str(list(LogEntry.objects.values_list("changes", flat=True)))
    assert undo_batch(batch, by=None) == []
    assert Student.objects.get(pk=taken.pk).phone == taken.phone
    assert not Student.objects.filter(id_number=number).exists()


def test_the_change_log_masks_every_sealed_field(uni):
    for model in apps.get_models():
        names = {f.name for f in sealed.sealed_fields(model)}
        if names and auditlog.contains(model):
            masked = set(auditlog.get_model_fields(model).get("mask_fields") or ())
            assert names <= masked, f"{model._meta.label}: mask {sorted(names - masked)} in auditlog.register"
    student = uni.students[0]
    student.phone = "13655557777"
    student.save()
    assert "13655557777" not in str(list(LogEntry.objects.values_list("changes", flat=True)))


def test_rotation_with_two_keys(uni, settings):
    student, staff = uni.students[0], uni.counselor
    # Before: one key, derived from SECRET_KEY.
    assert raw(Student, student.pk, "id_number")[0].startswith("k0:")
    # During: the new key first, the old one behind it. Old rows are read and found; new
    # writes are sealed with the new key; the model's uniqueness check sees both keys.
    settings.SEAL_KEYS = f"{NEW_KEY},k0"
    assert Student.objects.get(pk=student.pk).id_number == student.id_number
    assert list(Student.objects.filter(id_number=student.id_number)) == [student]
    assert list(Student.objects.filter(id_number__in=[student.id_number])) == [student]
    moved = uni.students[1]
    moved.phone = "13544446666"
    moved.save()
    assert raw(Student, moved.pk, "phone")[0].startswith("k1:")
    twin = Student(institution=uni.institution, klass=uni.klass, name="重号", gender="M", student_number="x2", id_number=student.id_number)
    with pytest.raises(ValidationError):
        twin.full_clean()
    with pytest.raises(SystemExit):
        rotate("--check")
    report = rotate("--batch", "2")
    assert "org.Student (id_number, phone): k0 " in report and "current key: k1" in report
    stored = raw(Student, student.pk, "id_number", "phone") + raw(Staff, staff.pk, "id_number", "phone")
    assert all(value.startswith("k1:") for value in stored if value)
    assert "every value is under the current key" in rotate("--check")
    again = rotate()
    assert "re-sealed under k1: 0" in again and "k0" not in again.split("current key")[1]
    # After: the old key removed, everything still reads and is found.
    settings.SEAL_KEYS = NEW_KEY
    assert Student.objects.get(pk=student.pk).id_number == student.id_number
    assert Student.objects.get(phone="13544446666") == moved
    assert Staff.objects.get(phone=staff.phone) == staff


def test_rotation_is_restartable(uni, settings):
    settings.SEAL_KEYS = f"{NEW_KEY},k0"
    student_table = Student._meta.db_table
    seen = []

    def stop_after_four(stored):
        if len(seen) == 4:
            raise RuntimeError("interrupted")
        seen.append(stored)
        return sealed.seal(sealed.unseal(stored))

    with pytest.raises(RuntimeError):
        sealed.rewrite_columns(connection, student_table, "id", ["id_number", "phone"], stop_after_four, batch=1, atomic=True)
    keys = [sealed.key_id(v) for pk in Student.objects.values_list("pk", flat=True) for v in raw(Student, pk, "id_number", "phone")]
    assert keys.count("k1") == 4 and "k0" in keys  # the finished batches stayed
    rotate()
    keys = [sealed.key_id(v) for pk in Student.objects.values_list("pk", flat=True) for v in raw(Student, pk, "id_number", "phone")]
    assert set(keys) == {"k1"}


def test_a_removed_or_wrong_key_is_named(uni, settings):
    student = uni.students[0]
    settings.SEAL_KEYS = NEW_KEY  # k0 dropped before rotating
    with pytest.raises(sealed.SealError, match="'k0', which is not in FANGXIAN_SEAL_KEYS"):
        Student.objects.get(pk=student.pk)
    with pytest.raises(CommandError, match="k0"):
        rotate("--check")
    settings.SEAL_KEYS = "k0:" + base64.b64encode(os.urandom(64)).decode()  # another key under the same id
    with pytest.raises(sealed.SealError, match="not the one it was sealed with"):
        Student.objects.get(pk=student.pk)
    settings.SEAL_KEYS = ""
    assert Student.objects.get(pk=student.pk).id_number == student.id_number


def test_a_changed_secret_key_with_its_fallback_still_reads_and_rotation_moves_on(uni, settings):
    student = uni.students[0]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert Student.objects.get(id_number=student.id_number) == student
    # Same key id, new key: the rotation re-seals under the key of the new SECRET_KEY.
    line = next(line for line in rotate().splitlines() if line.startswith("org.Student "))
    assert int(line.rsplit(": ", 1)[1]) >= 2 * len(uni.students) + len(uni.other_students)
    settings.SECRET_KEY_FALLBACKS = []
    assert Student.objects.get(id_number=student.id_number) == student


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("k1", "has no key material"),
        ("k1:not base64!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "32, 48 or 64 bytes"),
        (f"{NEW_KEY},{NEW_KEY}", "given twice"),
        ("bad-id:" + base64.b64encode(bytes(range(32))).decode(), "key id"),  # fixed bytes: xdist workers must collect the same ids
    ],
)
def test_a_malformed_key_setting_is_refused_at_start(settings, spec, message):
    settings.SEAL_KEYS = spec
    errors = [e for e in run_checks() if e.id == "core.E002"]
    assert len(errors) == 1 and message in errors[0].msg
    assert spec.partition(":")[2][:8] not in errors[0].msg or not spec.partition(":")[2]


def test_new_key_prints_a_usable_key(settings):
    line = rotate("--new-key", "k7").strip()
    settings.SEAL_KEYS = line
    assert sealed.keyring().current.kid == "k7"
    assert sealed.unseal(sealed.seal("13800001111")) == "13800001111"
    with pytest.raises(CommandError):
        rotate("--new-key", "k0")


def test_accepting_a_new_secret_key_waits_for_the_numbers_sealed_under_the_old_one(uni, settings):
    student = uni.students[0]
    rotate()  # nothing to do; the installation's key is recorded
    call_command("secret_key", stdout=io.StringIO())
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-next-secret-key-" + "y" * 40
    with pytest.raises(CommandError, match="run manage.py seal_rotate first"):
        call_command("secret_key", "--accept", stdout=io.StringIO())
    rotate()
    call_command("secret_key", "--accept", stdout=io.StringIO())
    settings.SECRET_KEY_FALLBACKS = []
    assert Student.objects.get(id_number=student.id_number) == student


def test_a_dump_carries_the_sealed_form_and_only_a_restore_opens_it(uni):
    student = uni.students[0]
    field = Student._meta.get_field("phone")
    stored = field.value_to_string(student)
    assert stored == raw(Student, student.pk, "phone")[0] and student.phone not in stored
    # Typed into a form, a sealed text copied out of a dump stays what it is (no decryption oracle).
    assert field.to_python(stored) == stored
    with sealed.loading_dump():
        assert field.to_python(stored) == student.phone
