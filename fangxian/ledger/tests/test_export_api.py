"""Export (scope, masking, logging, formula-safe cells) and the API (scope, status
changes with the version, 409 on conflict, schema)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from fangxian.audit.models import SecurityEvent
from fangxian.core.xlsx import read_sheet
from fangxian.ledger.models import Status as S

pytestmark = pytest.mark.django_db


@pytest.fixture
def staying(ledger):
    uni = ledger.uni
    mine = [ledger.on_campus(s) for s in uni.students]
    theirs = [ledger.on_campus(s) for s in uni.other_students]
    return mine, theirs


def _rows(content: bytes) -> list[list]:
    rows = read_sheet(content)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "学号")
    return [dict(zip(rows[header], r, strict=False)) for r in rows[header + 1 :] if r and r[0]]


def test_export_is_scoped_masked_and_recorded(ledger, staying, make_user):
    uni = ledger.uni
    mine, _theirs = staying
    leader = make_user("leader9", "leader")
    client = Client()
    client.force_login(leader)
    response = client.get(reverse("ledger:export"), {"college": uni.college.pk})
    assert response.status_code == 200
    rows = _rows(response.content)
    assert {r["学号"] for r in rows} == {e.student.student_number for e in mine}
    student = mine[0].student
    row = next(r for r in rows if r["学号"] == student.student_number)
    assert row["身份证号"] != student.id_number and row["身份证号"].startswith(student.id_number[:2]) and "*" in row["身份证号"]
    assert "****" in row["手机号"] and "****" in row["家长电话"]
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.user == leader and event.detail["rows"] == 3 and event.detail["filter"]["college"] == uni.college.pk
    assert event.detail["masked_id_numbers"] is True


def test_counselor_export_masks_phones_and_id_numbers_and_holds_only_their_students(ledger, staying):
    uni = ledger.uni
    mine, theirs = staying
    client = Client()
    client.force_login(uni.counselor_user)
    rows = _rows(client.get(reverse("ledger:export")).content)
    assert {r["学号"] for r in rows} == {e.student.student_number for e in mine}
    row = rows[0]
    # Phones in full only with an approved unmasked export (fangxian/privacy/tests/test_exports.py).
    assert "*" in row["身份证号"] and "****" in row["手机号"]


def test_formula_like_cells_are_written_as_text(ledger, verified_client, office):
    uni = ledger.uni
    ledger.on_campus(uni.students[0], emergency_contact='=HYPERLINK("http://x")')
    content = verified_client(office).get(reverse("ledger:export")).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [c for r in sheet.iter_rows() for c in r if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    # The office too gets masked numbers without an approved unmasked export.
    rows = _rows(content)
    assert rows[0]["身份证号"] != uni.students[0].id_number and "*" in rows[0]["身份证号"]


def test_api_lists_only_the_scope_and_404_outside(ledger, staying):
    uni = ledger.uni
    mine, theirs = staying
    api = APIClient()
    api.force_authenticate(uni.counselor_user)
    listed = api.get("/api/v1/ledger/entries/").json()
    assert {r["id"] for r in listed["results"]} == {e.pk for e in mine}
    assert api.get(f"/api/v1/ledger/entries/{theirs[0].pk}/").status_code == 404
    assert api.post(f"/api/v1/ledger/entries/{theirs[0].pk}/status/", {"status": S.OUT, "version": theirs[0].version}).status_code == 404
    filtered = api.get("/api/v1/ledger/entries/", {"status": S.OUT}).json()
    assert filtered["count"] == 0
    assert api.get("/api/v1/ledger/entries/", {"klass": "31486095762721626652672"}).status_code == 400
    assert api.get("/api/v1/ledger/entries/", {"college": uni.college.pk}).json()["count"] == 3


def test_api_status_change_with_version_and_409_on_conflict(ledger, staying, make_user):
    uni = ledger.uni
    entry = staying[0][0]
    api = APIClient()
    api.force_authenticate(uni.counselor_user)
    url = f"/api/v1/ledger/entries/{entry.pk}/status/"
    ok = api.post(url, {"status": S.OUT, "version": entry.version, "note": "就医", "expected_return": None}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == S.OUT and ok.json()["version"] == entry.version + 1
    stale = api.post(url, {"status": S.LEFT, "version": entry.version}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["status"] == S.OUT
    wrong = api.post(url, {"status": S.ON_CAMPUS, "version": entry.version + 1}, format="json")
    assert wrong.status_code == 400  # 外出 → 在校 is not a step of the flow
    assert api.post(url, {"status": S.APPROVED, "version": entry.version + 1}, format="json").status_code == 400
    inspector = APIClient()
    inspector.force_authenticate(make_user("inspector8", "discipline"))
    assert inspector.post(url, {"status": S.RETURNED, "version": entry.version + 1}, format="json").status_code == 403


def test_api_student_creates_an_application_and_it_is_in_the_schema(ledger):
    from fangxian.testing import UserFactory

    uni = ledger.uni
    student = uni.students[0]
    student.user = UserFactory(username="stu2")
    student.save()
    api = APIClient()
    api.force_authenticate(student.user)
    data = {
        "period": ledger.period.pk,
        "start_date": ledger.period.start_date.isoformat(),
        "end_date": ledger.period.end_date.isoformat(),
        "reason": ledger.reason.pk,
        "bed": student.bed_id,
        "emergency_contact": "父",
        "emergency_phone": "13900000000",
        "parent_name": "父",
        "parent_phone": "13900000000",
        "pledge_agreed": False,
    }
    refused = api.post("/api/v1/ledger/applications/", data, format="json")
    assert refused.status_code == 400 and "pledge" in refused.json()
    created = api.post("/api/v1/ledger/applications/", {**data, "pledge_agreed": True}, format="json")
    assert created.status_code == 201 and created.json()["stage"] == "submitted"
    assert [a["id"] for a in api.get("/api/v1/ledger/applications/").json()["results"]] == [created.json()["id"]]
    staff = APIClient()
    staff.force_authenticate(uni.counselor_user)
    schema = staff.get("/api/schema/?format=json").json()
    assert "/api/v1/ledger/entries/{id}/status/" in schema["paths"]
    assert "/api/v1/ledger/applications/" in schema["paths"]
