"""A screening world on the mini university: a summer stay period with students on campus
(two of them under closed management), their one-to-one staff, a sampling site with a
sampler, and helpers to make a round and build the lab's result file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook

from fangxian.gates import signing
from fangxian.gates.services import issue_personal_pass
from fangxian.ledger import services as ledger_services
from fangxian.ledger.tests.conftest import Ledger, ledger  # noqa: F401  (fixture)
from fangxian.org.models import AssignmentRole, Place
from fangxian.org.testing import PlaceFactory, StaffFactory
from fangxian.screening import services
from fangxian.screening.models import SAMPLER, LabMapping
from fangxian.testing import UserFactory


@dataclass
class World:
    ledger: Ledger
    office: object
    sampler: object
    site: Place
    students: list
    closed: list

    @property
    def uni(self):
        return self.ledger.uni

    def round(self, *, name="校本部核酸检测", category_code="", start=None, end=None, **extra):
        now = timezone.now()
        start = start or max(
            now - timedelta(hours=1), timezone.make_aware(timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time()))
        )
        end = end or now + timedelta(hours=3)
        return services.round_create(
            institution=self.uni.institution,
            name=name,
            kind="nucleic",
            day=timezone.localdate(start),
            starts_at=start,
            ends_at=end,
            slots=[services.SlotSpec(self.site, start, end)],
            by=self.office,
            campus=self.uni.campus,
            category_code=category_code,
            **extra,
        )

    def pass_for(self, student) -> str:
        token, _payload = issue_personal_pass(student)
        return token

    def mapping(self, *, key_kind=LabMapping.Key.TUBE, key_header="样本条码", result_header="检测结论") -> LabMapping:
        return LabMapping.objects.create(
            institution=self.uni.institution, lab="金域检验", key_kind=key_kind, key_header=key_header, result_header=result_header
        )


def lab_file(rows: list[list], headers=("序号", "样本条码", "检测结论", "报告时间")) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["某某医学检验实验室 新冠病毒核酸检测结果"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "结果.xlsx"
    upload.size = len(buffer.getvalue())
    return upload


def same_file(raw: bytes) -> io.BytesIO:
    """The very same file uploaded again."""
    upload = io.BytesIO(raw)
    upload.name = "结果（再次）.xlsx"
    upload.size = len(raw)
    return upload


@pytest.fixture(autouse=True)
def _fresh_keys():
    signing.forget_keys()
    yield
    signing.forget_keys()


@pytest.fixture
def world(ledger, office) -> World:  # noqa: F811
    uni = ledger.uni
    start = ledger.period.start_date
    students = [*uni.students, *uni.other_students]
    for student in students:
        ledger.on_campus(student, on=start)
    closed = students[:2]
    for student in closed:
        ledger_services.tag_add(student=student, category=ledger.categories["closed"], by=uni.counselor_user, on=start)
    for student in uni.students:
        uni.assign(uni.counselor, AssignmentRole.ONE_TO_ONE, student=student, start_date=start)
    site = PlaceFactory(kind=Place.Kind.BUILDING, name="体育馆", parent=uni.campus, institution=uni.institution, use="other")
    sampler = UserFactory(username="sampler1")
    staff = StaffFactory(unit=uni.institution, name="采样员 周敏", user=sampler)
    uni.assign(staff, SAMPLER, place=site, start_date=start)
    return World(ledger, office, sampler, site, students, closed)
