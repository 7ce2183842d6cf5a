"""Pages and API: roles (403), scope (404), the confidentiality of accountability records,
and discipline inspection still read-only everywhere else."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from fangxian.accounts.roles import Role
from fangxian.org.access import can_write
from fangxian.org.models import AssignmentRole
from fangxian.org.testing import StaffFactory
from fangxian.supervision import services
from fangxian.supervision.models import Accountability, Answer, Case, Finding
from fangxian.testing import UserFactory, api_client

from .test_cases import lead, send


@pytest.fixture
def login(verified_client):
    return verified_client


def test_inspector_turns_a_lead_into_a_case_on_the_pages(desk, login):
    finding = lead(desk)
    client = login(desk.inspector)
    page = client.get(reverse("supervision:findings"))
    assert page.status_code == 200 and finding.title in page.content.decode()
    form = client.get(reverse("supervision:case_new") + f"?finding={finding.pk}")
    assert form.status_code == 200 and finding.title in form.content.decode()
    due = (timezone.localtime() + timezone.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("supervision:case_new"),
        {"finding": finding.pk, "unit": desk.uni.college.pk, "title": "日报未报", "requirement": "说明原因", "evidence": "", "due_at": due},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == reverse("supervision:case", args=[case.pk])
    assert list(case.findings.all()) == [finding]
    detail = client.get(response.url).content.decode()
    assert case.number in detail and "包抓领导 王刚" in detail
    docx = client.get(reverse("supervision:case_notice", args=[case.pk]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert client.get(reverse("supervision:case_record", args=[case.pk])).status_code == 404  # not closed yet


def test_an_onsite_finding_becomes_a_case(desk, login):
    client = login(desk.inspector)
    due = (timezone.localtime() + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "unit": desk.uni.other_college.pk,
        "title": "查寝记录不全",
        "requirement": "补齐记录",
        "evidence": "",
        "due_at": due,
        "onsite": "on",
    }
    response = client.post(reverse("supervision:case_new"), data)
    assert response.status_code == 200 and "现场检查" in response.content.decode()  # the evidence is required
    data["evidence"] = "3号公寓查寝记录缺失"
    assert client.post(reverse("supervision:case_new"), data).status_code == 302
    case = Case.objects.get()
    assert case.source == Case.Source.ONSITE and case.findings.get().rule == "onsite"


def test_roles_and_scope_on_the_pages(desk, login, client):
    case = send(desk)
    other = send(desk, unit=desk.uni.other_college)
    college = login(desk.uni.college_admin_user)
    assert college.get(reverse("supervision:case", args=[case.pk])).status_code == 200
    assert college.get(reverse("supervision:case", args=[other.pk])).status_code == 404
    assert college.get(reverse("supervision:findings")).status_code == 403
    assert college.get(reverse("supervision:case_new")).status_code == 403
    assert college.post(reverse("supervision:case_decide", args=[case.pk]), {"decision": "accepted"}).status_code == 403
    assert college.get(reverse("supervision:accountability")).status_code == 403
    assert college.get(reverse("supervision:case_answer", args=[case.pk])).status_code == 405
    listing = college.get(reverse("supervision:cases")).content.decode()
    assert case.number in listing and other.number not in listing
    student = login(desk.uni.student_user)
    assert student.get(reverse("supervision:index")).status_code == 403
    assert student.get(reverse("supervision:case", args=[case.pk])).status_code == 403


def test_the_college_answers_on_the_page(desk, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = send(desk)
    client = login(desk.uni.college_admin_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_cases import PDF

    upload = SimpleUploadedFile("情况说明.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("supervision:case_answer", args=[case.pk]), {"kind": "statement", "text": "已补报", "files": [upload]})
    assert response.status_code == 302
    answer = Answer.objects.get()
    attachment = answer.attachments.get()
    assert attachment.name == "情况说明.pdf"
    download = client.get(reverse("supervision:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    outsider = login(desk.uni.other_counselor_user)
    assert outsider.get(reverse("supervision:attachment", args=[attachment.pk])).status_code in (403, 404)


def test_answer_after_close_is_refused_in_chinese(desk, login):
    case = send(desk)
    services.answer_submit(user=desk.uni.college_admin_user, case=case, kind=Answer.Kind.STATEMENT, text="说明")
    services.answer_decide(user=desk.inspector, case=case, decision=Answer.Decision.ACCEPTED, note="办结")
    client = login(desk.uni.college_admin_user)
    response = client.post(reverse("supervision:case_answer", args=[case.pk]), {"kind": "statement", "text": "补充"}, follow=True)
    assert "已办结" in response.content.decode()
    assert case.answers.count() == 1
    api = api_client(desk.uni.college_admin_user)
    refused = api.post(f"/api/v1/supervision/notices/{case.pk}/answer/", {"kind": "statement", "text": "补充"}, format="json")
    assert refused.status_code == 400 and "已办结" in str(refused.json())
    assert client.get(reverse("supervision:case_record", args=[case.pk])).status_code == 200


def test_accountability_is_confidential(desk, login):
    case = send(desk)
    record = services.accountability_create(
        user=desk.inspector,
        measure=Accountability.Measure.REMINDER_TALK,
        unit=desk.uni.college,
        day=timezone.localdate(),
        person_name="学院专员 孙丽",
        note="日报多次未报",
        cases=[case],
    )
    for user in (desk.inspector, desk.leader):
        page = login(user).get(reverse("supervision:accountability"))
        assert page.status_code == 200 and "学院专员 孙丽" in page.content.decode()
        assert [r["id"] for r in api_client(user).get("/api/v1/supervision/accountability/").json()["results"]] == [record.pk]
    for user in (desk.office, desk.uni.college_admin_user):
        assert login(user).get(reverse("supervision:accountability")).status_code == 403
        assert api_client(user).get("/api/v1/supervision/accountability/").status_code == 403
        assert api_client(user).get(f"/api/v1/supervision/accountability/{record.pk}/").status_code == 403
        assert not Accountability.objects.visible_to(user).exists()
        # The notice's own page does not mention it either.
        assert "提醒谈话" not in login(user).get(reverse("supervision:case", args=[case.pk])).content.decode()
    # A leader reads, only discipline inspection records.
    assert login(desk.leader).get(reverse("supervision:accountability")).content.decode().count("accountability-form") == 0
    data = {"measure": "interview", "unit": desk.uni.college.pk, "person_name": "张三", "day": timezone.localdate().isoformat()}
    assert api_client(desk.leader).post("/api/v1/supervision/accountability/", data, format="json").status_code == 403
    created = api_client(desk.inspector).post("/api/v1/supervision/accountability/", data, format="json")
    assert created.status_code == 201 and created.json()["measure_display"] == "约谈"


def test_discipline_inspection_stays_read_only_everywhere_else(desk, login):
    assert not can_write(desk.inspector, {Role.DISCIPLINE, Role.PREVENTION_OFFICE})
    api = api_client(desk.inspector)
    body = {"staff": desk.uni.counselor.pk, "role": "class_teacher", "unit": desk.uni.klass.pk, "start_date": "2024-09-01"}
    assert api.post("/api/v1/org/assignments/", body, format="json").status_code == 403
    assignment = desk.uni.counselor.assignments.get()
    assert login(desk.inspector).post(reverse("org:assignment_end", args=[assignment.pk]), {"end_date": "2024-06-30"}).status_code == 403
    # …while its writes on the desk go through.
    finding = lead(desk)
    due = (timezone.now() + timezone.timedelta(days=2)).isoformat()
    created = api.post(
        "/api/v1/supervision/notices/",
        {"unit": desk.uni.college.pk, "title": "日报未报", "requirement": "说明", "due_at": due, "findings": [finding.pk]},
        format="json",
    )
    assert created.status_code == 201 and created.json()["findings"] == [finding.pk]


def test_api_flow_and_scope(desk):
    inspector = api_client(desk.inspector)
    finding = lead(desk)
    assert [f["id"] for f in inspector.get("/api/v1/supervision/leads/").json()["results"]] == [finding.pk]
    due = (timezone.now() + timezone.timedelta(days=2)).isoformat()
    bad = inspector.post(
        "/api/v1/supervision/notices/", {"unit": desk.uni.college.pk, "title": "", "requirement": "x", "due_at": due}, format="json"
    )
    assert bad.status_code == 400
    missing = inspector.post(
        "/api/v1/supervision/notices/", {"unit": 10**9, "title": "t", "requirement": "x", "due_at": due}, format="json"
    )
    assert missing.status_code == 404
    case = inspector.post(
        "/api/v1/supervision/notices/",
        {"unit": desk.uni.college.pk, "title": "t", "requirement": "x", "due_at": due, "findings": [finding.pk]},
        format="json",
    ).json()
    college = api_client(desk.uni.college_admin_user)
    assert (
        college.post(
            "/api/v1/supervision/notices/", {"unit": desk.uni.college.pk, "title": "t", "requirement": "x", "due_at": due}, format="json"
        ).status_code
        == 403
    )
    assert college.get("/api/v1/supervision/leads/").status_code == 403
    answered = college.post(f"/api/v1/supervision/notices/{case['id']}/answer/", {"kind": "rectification", "text": "已整改"}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert api_client(desk.uni.other_counselor_user).get(f"/api/v1/supervision/notices/{case['id']}/").status_code == 403  # role
    other_admin = StaffFactory(unit=desk.uni.other_college, user=UserFactory(username="college2"))
    desk.uni.assign(other_admin, AssignmentRole.COLLEGE_ADMIN, unit=desk.uni.other_college)
    outside = api_client(other_admin.user)
    assert outside.get(f"/api/v1/supervision/notices/{case['id']}/").status_code == 404  # scope
    assert outside.get("/api/v1/supervision/notices/").json()["results"] == []
    closed = inspector.post(f"/api/v1/supervision/notices/{case['id']}/decide/", {"decision": "accepted", "note": "好"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    standing = inspector.get("/api/v1/supervision/standing/").json()
    row = next(u for u in standing["units"] if u["unit"] == desk.uni.college.pk)
    assert (row["opened"], row["answered_on_time"], row["closed"], row["light"]) == (1, 1, 1, "green")
    assert Finding.objects.get().status == Finding.Status.TAKEN
