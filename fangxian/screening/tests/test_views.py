"""Pages and API: roles (403), scope (404), the sampler's phone page, the student's slot,
the import page with the lab's remembered columns, the report for the city."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangxian.audit.models import SecurityEvent
from fangxian.screening import services
from fangxian.screening.models import LabMapping, Sample, Tube
from fangxian.testing import api_client

from .conftest import lab_file

pytestmark = pytest.mark.django_db


def test_roles_and_scope(world, client, verified_client):
    round = world.round()
    client.force_login(world.uni.student_user)
    assert client.get(reverse("screening:list")).status_code == 403
    assert client.get(reverse("screening:round", args=[round.pk])).status_code == 403
    client.force_login(world.uni.other_counselor_user)
    assert client.get(reverse("screening:round", args=[round.pk])).status_code == 200  # their students are in it
    outsider = world.round(name="只有本班", category_code="closed")
    assert client.get(reverse("screening:round", args=[outsider.pk])).status_code == 404
    assert client.get(reverse("screening:person", args=["student", world.uni.students[0].pk])).status_code == 404
    office = verified_client(world.office)
    assert office.get(reverse("screening:next", args=[round.pk])).status_code == 405
    page = office.get(reverse("screening:coverage", args=[round.pk]))
    assert page.status_code == 200 and world.uni.students[0].name in page.content.decode()


def test_the_office_creates_a_round_from_the_form(world, verified_client):
    office = verified_client(world.office)
    assert office.get(reverse("screening:new")).status_code == 200
    day = world.ledger.period.start_date.isoformat()
    response = office.post(
        reverse("screening:new"),
        {
            "name": "封闭管理学生核酸",
            "kind": "nucleic",
            "day": day,
            "starts": "07:00",
            "ends": "11:00",
            "include_students": "on",
            "campus": world.uni.campus.pk,
            "category_code": "closed",
            "pool_size": "10",
            "repeat_days": "0",
            "site_1": world.site.pk,
            "from_1": "07:00",
            "to_1": "09:00",
            "site_2": world.uni.building.pk,
            "from_2": "10:00",
            "to_2": "12:00",
        },
    )
    assert response.status_code == 200 and "不在本批次的采样时间内" in response.content.decode()
    response = office.post(
        reverse("screening:new"),
        {
            "name": "封闭管理学生核酸",
            "kind": "nucleic",
            "day": day,
            "starts": "07:00",
            "ends": "11:00",
            "include_students": "on",
            "campus": world.uni.campus.pk,
            "category_code": "closed",
            "pool_size": "10",
            "repeat_days": "0",
            "site_1": world.site.pk,
        },
    )
    assert response.status_code == 302


def test_the_student_sees_the_slot_and_the_sampler_records_on_the_phone(world, client):
    round = world.round()
    client.force_login(world.uni.student_user)
    page = client.get(reverse("screening:mine")).content.decode()
    assert round.name in page and world.site.name in page
    client.force_login(world.sampler)
    page = client.get(reverse("screening:sample"))
    assert page.status_code == 200 and round.name in page.content.decode()
    student = world.uni.students[0]
    response = client.post(
        reverse("screening:sample"),
        {"round": round.pk, "site": world.site.pk, "tube": "HG01", "capacity": "10", "scan": world.pass_for(student)},
        follow=True,
    )
    assert "已采样" in response.content.decode() and Sample.objects.filter(member__student=student).exists()
    refused = client.post(
        reverse("screening:sample"),
        {"round": round.pk, "site": world.site.pk, "tube": "HG01", "capacity": "10", "scan": "nobody"},
        follow=True,
    )
    assert "不在本批次应检人员名单中" in refused.content.decode()


def test_import_page_remembers_the_labs_columns_and_reports_export(world, verified_client):
    round = world.round()
    for student in world.uni.students:
        services.sample_record(
            round=round, place=world.site, tube_number="HG01", capacity=10, text=student.student_number, by=world.sampler
        )
    office = verified_client(world.office)
    assert "试管编号" in office.get(reverse("screening:import", args=[round.pk])).content.decode()
    response = office.post(
        reverse("screening:lab_mapping", args=[round.pk]),
        {"lab": "金域检验", "key_kind": "tube", "key_header": "样本条码", "result_header": "检测结论"},
    )
    mapping = LabMapping.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?lab={mapping.pk}")
    response = office.post(
        reverse("screening:import", args=[round.pk]) + f"?lab={mapping.pk}", {"file": lab_file([[1, "HG01", "异常", ""]])}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    tube = Tube.objects.get(number="HG01")
    assert tube.result == "abnormal"
    page = office.get(reverse("screening:tube", args=[tube.pk])).content.decode()
    assert all(s.name in page for s in world.uni.students)
    from fangxian.privacy.testing import assert_watermarked, last_export_record

    xlsx = office.get(reverse("screening:report_xlsx", args=[round.pk]))
    user = xlsx.wsgi_request.user
    assert_watermarked(xlsx, user)
    from fangxian.core.xlsx import read_sheet

    text = str(read_sheet(xlsx.content))
    assert all(s.id_number not in text for s in world.uni.students)  # masked for every role
    assert last_export_record(user).export == "screening.xlsx" and last_export_record(user).masked
    docx = office.get(reverse("screening:report_docx", args=[round.pk]))
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert_watermarked(docx, user)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 2


def test_api_coverage_mine_and_sampling(world):
    round = world.round()
    sampler = api_client(world.sampler)
    student = world.uni.students[0]
    body = {"round": round.pk, "site": world.site.pk, "tube": "HG09", "capacity": 10, "scan": world.pass_for(student)}
    assert sampler.post("/api/v1/screening/samples/", body, format="json").status_code == 201
    assert sampler.post("/api/v1/screening/samples/", body, format="json").status_code == 200
    bad = sampler.post("/api/v1/screening/samples/", {**body, "scan": "nobody"}, format="json")
    assert bad.status_code == 400 and "不在本批次" in bad.json()["detail"]
    office = api_client(world.office)
    coverage = office.get(f"/api/v1/screening/rounds/{round.pk}/coverage/").json()
    assert coverage["sampled"] == 1 and len(coverage["missing"]) == len(world.students) - 1
    mine = api_client(world.uni.student_user).get("/api/v1/screening/mine/").json()
    assert mine[0]["round"] == round.pk and mine[0]["sampled_at"]
    outsider = api_client(world.uni.other_counselor_user)
    closed = world.round(name="只有本班", category_code="closed")
    assert outsider.get(f"/api/v1/screening/rounds/{closed.pk}/coverage/").status_code == 404
