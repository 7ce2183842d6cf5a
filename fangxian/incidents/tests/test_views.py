"""The pages: the phone report, scope (404), roles (403, 405), masking of the people
involved, the docx report, the time limits."""

from __future__ import annotations

import io
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.audit.models import SecurityEvent
from fangxian.incidents import services
from fangxian.incidents.models import Incident, TimeLimit
from fangxian.org.testing import make_image


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _incident(cast, unit=None, **kwargs):
    return services.incident_report(
        user=cast.office,
        kind="fever",
        level="general",
        occurred_at=timezone.now() - timedelta(minutes=10),
        description="学生发热38.5℃",
        unit=unit or cast.uni.college,
        people=f"{cast.uni.students[0].student_number}",
        **kwargs,
    )


def test_the_phone_report_posts_once_and_lands_on_the_incident(cast):
    client = _client(cast.duty_user)
    page = client.get(reverse("incidents:report"))
    assert page.status_code == 200
    key = page.context["form"].initial["request_key"]
    data = {
        "kind": "leak",
        "level": "general",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "description": "水管漏水",
        "unit": cast.uni.security_office.pk,
        "request_key": key,
        "photos": [io.BytesIO(make_image()) for _ in range(1)],
    }
    response = client.post(reverse("incidents:report"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:detail", args=[incident.pk])
    data.pop("photos")
    client.post(reverse("incidents:report"), data)  # the same form sent again
    assert Incident.objects.count() == 1 and incident.photos.count() == 1
    detail = client.get(response["Location"])
    assert "管网跑冒滴漏" in detail.content.decode() and 'data-testid="deadline-clock"' in detail.content.decode()


def test_the_report_form_shows_bad_input_beside_its_field(cast):
    client = _client(cast.duty_user)
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("incidents:report"),
        {"kind": "fire", "level": "general", "occurred_at": future, "description": "x", "unit": cast.uni.security_office.pk},
    )
    assert response.status_code == 200
    assert "发生时间晚于当前时间" in response.content.decode()
    assert not Incident.objects.exists()
    response = client.post(
        reverse("incidents:report"),
        {
            "kind": "fire",
            "level": "general",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "description": "x",
            "unit": cast.uni.security_office.pk,
            "photos": [io.BytesIO(b"%PDF-1.4 not a photo")],
        },
    )
    assert "第 1 张照片" in response.content.decode() and not Incident.objects.exists()


def test_scope_roles_and_methods(cast, verified_client):
    mine = _incident(cast, unit=cast.uni.college)
    other = _incident(cast, unit=cast.uni.other_college)
    college = _client(cast.uni.college_admin_user)
    assert college.get(reverse("incidents:detail", args=[mine.pk])).status_code == 200
    assert college.get(reverse("incidents:detail", args=[other.pk])).status_code == 404
    assert college.get(reverse("incidents:docx", args=[other.pk])).status_code == 404
    listed = college.get(reverse("incidents:list") + "?status=all").context["page"].object_list
    assert [i.pk for i in listed] == [mine.pk]
    # Roles: a student never; a counselor who is not on duty does not report; only the office acknowledges.
    assert _client(cast.uni.student_user).get(reverse("incidents:list")).status_code == 403
    assert _client(cast.uni.counselor_user).get(reverse("incidents:report")).status_code == 403
    assert college.post(reverse("incidents:acknowledge", args=[mine.pk])).status_code == 403
    assert college.get(reverse("incidents:limits")).status_code == 403
    office = verified_client(cast.office)
    assert office.get(reverse("incidents:acknowledge", args=[mine.pk])).status_code == 405
    assert office.post(reverse("incidents:acknowledge", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.is_acknowledged


def test_people_involved_are_masked_for_staff_without_the_need(cast, verified_client):
    incident = services.incident_report(
        user=cast.office,
        kind="injury",
        occurred_at=timezone.now(),
        description="学生受伤",
        unit=cast.uni.security_office,
        people=cast.uni.students[0].student_number,
    )
    student = cast.uni.students[0]
    office_page = verified_client(cast.office).get(reverse("incidents:detail", args=[incident.pk]))
    assert student.name in office_page.content.decode()
    from fangxian.incidents import selectors

    # A member of staff on duty who did not report it sees the people masked (the office
    # reported it, so the reporter's phone is empty here).
    shown = selectors.people_of(incident, cast.duty_user)
    assert shown[0].name == student.name[0] + "*" * (len(student.name) - 1) and shown[0].number == ""
    # Their own report shows them in full.
    own = services.incident_report(
        user=cast.duty_user,
        kind="injury",
        occurred_at=timezone.now(),
        description="学生受伤",
        people=f"{student.student_number} {student.name}",
    )
    assert selectors.people_of(own, cast.duty_user)[0].name == student.name
    assert selectors.reporter_phone(own, cast.duty_user) == "13800001234"
    assert selectors.reporter_phone(own, cast.leader_user) == "138****1234"


def test_the_formal_report_is_a_docx_with_the_usual_sections(cast, verified_client):
    from docx import Document

    incident = _incident(cast, reporter_phone="13800005678")
    services.update_add(user=cast.office, incident=incident, kind="final", text="已康复返校", measures="隔离观察")
    response = verified_client(cast.office).get(reverse("incidents:docx", args=[incident.pk]))
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    assert "突发事件信息报告" in text
    for label in ("时间", "地点", "事件类型", "等级", "涉及人员", "事件经过", "已采取措施", "下一步工作", "报告单位", "报告人", "联系电话"):
        assert label in cells, label
    # The file carries the watermark and its export record; the reporter's phone is masked
    # unless an approved unmasked export is used (once).
    from fangxian.core.idnumber import mask_phone
    from fangxian.privacy.testing import approved_grant, assert_watermarked, last_export_record

    assert_watermarked(response, cast.office)
    record = last_export_record(cast.office)
    assert record.export == "incident_report" and record.masked and record.held["incident"] == str(incident.pk)
    phone = incident.reporter_phone
    assert phone and phone not in cells and mask_phone(phone) in cells
    grant = approved_grant(cast.office, "incident_report", args=(incident.pk,))
    unmasked = verified_client(cast.office).get(reverse("incidents:docx", args=[incident.pk]), {"grant": grant.pk})
    cells = [cell.text for table in Document(io.BytesIO(unmasked.content)).tables for row in table.rows for cell in row.cells]
    assert phone in cells
    assert not last_export_record(cast.office).masked
    assert "发热" in cells and "一般" in cells and "隔离观察" in cells and "终报" in cells
    assert cast.uni.students[0].name in " ".join(cells)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, detail__incident=incident.pk).exists()


def test_the_office_sets_the_time_limits(cast, verified_client):
    client = verified_client(cast.office)
    page = client.get(reverse("incidents:limits"))
    data = dict(page.context["form"].initial)
    data["earliest_date"] = "2022-07-01"
    data["major-first_minutes"] = "10"
    assert client.post(reverse("incidents:limits"), data).status_code == 302
    assert TimeLimit.for_level("major").first_minutes == 10
    data["major-first_minutes"] = "0"
    response = client.post(reverse("incidents:limits"), data)
    assert response.status_code == 200 and TimeLimit.for_level("major").first_minutes == 10


def test_a_person_on_duty_sees_the_incidents_of_their_duty_unit(cast):
    from fangxian.incidents import selectors

    ours = _incident(cast, unit=cast.uni.security_office)
    college = _incident(cast, unit=cast.uni.college)
    assert list(selectors.visible(cast.duty_user)) == [ours]  # on duty for the security office
    # The college's leader on duty sees the college's; the school's leader on duty everything below the institution.
    assert list(selectors.visible(cast.leader_user)) == [college]
    assert {i.pk for i in selectors.visible(cast.school_leader_user)} == {ours.pk, college.pk}
    client = _client(cast.duty_user)
    assert client.get(reverse("incidents:detail", args=[ours.pk])).status_code == 200
    assert client.get(reverse("incidents:detail", args=[college.pk])).status_code == 404
