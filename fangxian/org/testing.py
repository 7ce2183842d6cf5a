"""Factories for the organisation, shared by every app's tests.

They keep related objects consistent: a class sits under a grade, major, college and
institution; a bed under a room, building and campus of the same institution; a student's
ID number has a valid check digit.
"""

from __future__ import annotations

import random
from datetime import date

import factory
import pytest

from fangxian.core import idnumber
from fangxian.testing import UserFactory

from .models import Assignment, AssignmentRole, Place, Staff, Student, Unit


def make_id_number(rng: random.Random | None = None, gender: str = "M", birth: date | None = None) -> str:
    rng = rng or random.Random()
    birth = birth or date(2000 + rng.randint(0, 4), rng.randint(1, 12), rng.randint(1, 28))
    region = rng.choice(["620702", "620102", "110105", "440305", "510107"])
    serial = rng.randint(0, 99)
    sex_digit = rng.choice("13579") if gender == "M" else rng.choice("02468")
    first17 = f"{region}{birth:%Y%m%d}{serial:02d}{sex_digit}"
    return first17 + idnumber.check_digit(first17)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    kind = Unit.Kind.INSTITUTION
    name = factory.Sequence(lambda n: f"单位{n}")
    parent = None


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    kind = Place.Kind.CAMPUS
    name = factory.Sequence(lambda n: f"场所{n}")
    parent = None


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    name = factory.Faker("name", locale="zh_CN")
    gender = "M"
    student_number = factory.Sequence(lambda n: f"2021{n:06d}")
    id_number = factory.LazyAttribute(lambda o: make_id_number(gender=o.gender))
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    institution = factory.LazyAttribute(lambda o: Unit.objects.get(pk=o.klass.institution_id))


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    name = factory.Faker("name", locale="zh_CN")
    gender = "F"
    staff_number = factory.Sequence(lambda n: f"T{n:05d}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    institution = factory.LazyAttribute(lambda o: Unit.objects.get(pk=o.unit.institution_id))


class MiniUniversity:
    """A small, complete university: one institution, two colleges with a class each, a
    security office, a campus with a dorm building, two rooms and beds, a gate; students in
    beds; a counselor, a college admin, a gate guard and a student with accounts. Built by
    the `uni` fixture."""

    def __init__(self, name: str = "河西学院"):
        self.institution = UnitFactory(kind="institution", name=name)
        self.college = UnitFactory(kind="college", name="医学院", parent=self.institution)
        self.other_college = UnitFactory(kind="college", name="文学院", parent=self.institution)
        self.major = UnitFactory(kind="major", name="临床医学", parent=self.college)
        self.grade = UnitFactory(kind="grade", name="2021级", parent=self.major)
        self.klass = UnitFactory(kind="class", name="临床2021级1班", parent=self.grade)
        self.other_major = UnitFactory(kind="major", name="汉语言文学", parent=self.other_college)
        self.other_grade = UnitFactory(kind="grade", name="2021级", parent=self.other_major)
        self.other_klass = UnitFactory(kind="class", name="汉语言2021级1班", parent=self.other_grade)
        self.campus = PlaceFactory(kind="campus", name="校本部", institution=self.institution)
        self.gate = PlaceFactory(kind="gate", name="东门", parent=self.campus, institution=self.institution)
        self.building = PlaceFactory(
            kind="building", name="1号公寓", parent=self.campus, institution=self.institution, use="dorm", gender="M"
        )
        self.room = PlaceFactory(kind="room", name="101", parent=self.building, institution=self.institution, use="dorm", gender="M")
        self.other_room = PlaceFactory(kind="room", name="102", parent=self.building, institution=self.institution, use="dorm", gender="M")
        self.beds = [PlaceFactory(kind="bed", name=f"{n}号床", parent=self.room, institution=self.institution) for n in range(1, 5)]
        self.other_beds = [
            PlaceFactory(kind="bed", name=f"{n}号床", parent=self.other_room, institution=self.institution) for n in range(1, 5)
        ]
        self.students = [StudentFactory(klass=self.klass, bed=bed) for bed in self.beds[:3]]
        self.other_students = [StudentFactory(klass=self.other_klass, bed=bed) for bed in self.other_beds[:2]]
        self.counselor_user = UserFactory(username="counselor1")
        self.counselor = StaffFactory(unit=self.college, name="辅导员 刘洋", user=self.counselor_user)
        self.college_admin_user = UserFactory(username="college1")
        self.college_admin = StaffFactory(unit=self.college, name="学院专员 孙丽", user=self.college_admin_user)
        self.other_counselor_user = UserFactory(username="counselor2")
        self.other_counselor = StaffFactory(unit=self.other_college, name="辅导员 郑强", user=self.other_counselor_user)
        # The security office with a gate guard posted to the east gate, and a student
        # who signs in as themselves.
        self.security_office = UnitFactory(kind="department", name="保卫处", parent=self.institution)
        self.guard_user = UserFactory(username="guard1")
        self.guard = StaffFactory(unit=self.security_office, name="门卫 马超", user=self.guard_user)
        self.student_user = UserFactory(username="student1")
        self.students[0].user = self.student_user
        self.students[0].save(update_fields=["user"])
        start = date(2022, 1, 1)
        self.assign(self.counselor, AssignmentRole.COUNSELOR, unit=self.grade, start_date=start)
        self.assign(self.college_admin, AssignmentRole.COLLEGE_ADMIN, unit=self.college, start_date=start)
        self.assign(self.other_counselor, AssignmentRole.COUNSELOR, unit=self.other_grade, start_date=start)
        self.assign(self.guard, AssignmentRole.GATE_GUARD, place=self.gate, start_date=start)

    @staticmethod
    def assign(staff: Staff, role: str, **target) -> Assignment:
        target.setdefault("start_date", date(2022, 1, 1))
        return Assignment.objects.create(staff=staff, role=role, **target)


@pytest.fixture
def uni(db) -> MiniUniversity:
    return MiniUniversity()


def make_image(size: tuple[int, int] = (300, 400), fmt: str = "JPEG", color=(40, 120, 200), **save_kwargs) -> bytes:
    """An image file in memory, e.g. a test's upload."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, color).save(out, fmt, **save_kwargs)
    return out.getvalue()


def make_zip(files: dict[str, bytes], *, compression: int | None = None) -> bytes:
    """A ZIP archive in memory: {entry name: content} (deflated unless told otherwise)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED if compression is None else compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    """MEDIA_ROOT in a temporary folder: photos and other files written by a test go there."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    """The files under a folder, as relative paths (to check that nothing is left behind)."""
    from pathlib import Path

    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())
