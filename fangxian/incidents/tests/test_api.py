"""The API: the same services, scope and masking as the pages; a repeated report with the
same Idempotency-Key reports once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.incidents.models import Incident
from fangxian.testing import api_client


def test_report_acknowledge_follow_up_and_close_through_the_api(cast):
    duty = api_client(cast.duty_user)
    body = {
        "kind": "injury",
        "level": "larger",
        "occurred_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
        "description": "学生摔伤",
        "people": f"{cast.uni.students[0].student_number} {cast.uni.students[0].name}",
    }
    first = duty.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = duty.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Incident.objects.count() == 1
    pk = first.json()["id"]
    assert {c["kind"] for c in first.json()["clocks"]} == {"incidents.first_report", "incidents.written"}
    assert first.json()["people"][0]["name"] == cast.uni.students[0].name
    office = api_client(cast.office)
    assert office.post(f"/api/v1/incidents/{pk}/acknowledge/").json()["status"] == "acknowledged"
    assert duty.post(f"/api/v1/incidents/{pk}/acknowledge/").status_code == 403
    added = duty.post(f"/api/v1/incidents/{pk}/reports/", {"kind": "written", "text": "书面报告"}, format="json")
    assert added.status_code == 201 and added.json()["updates"][0]["kind"] == "written"
    closed = office.post(f"/api/v1/incidents/{pk}/reports/", {"kind": "final", "text": "处置完毕"}, format="json")
    assert closed.json()["status"] == "closed"
    assert [row["count"] for row in office.get("/api/v1/incidents/summary/").json()] == [0, 0, 0, 0]


def test_bad_input_and_scope_through_the_api(cast):
    duty = api_client(cast.duty_user)
    future = duty.post(
        "/api/v1/incidents/",
        {"kind": "fire", "occurred_at": (timezone.now() + timedelta(hours=2)).isoformat(), "description": "x"},
        format="json",
    )
    assert future.status_code == 400 and "晚于当前时间" in future.json()["occurred_at"][0]
    outside = duty.post(
        "/api/v1/incidents/",
        {"kind": "fire", "occurred_at": timezone.now().isoformat(), "description": "x", "students": [cast.uni.other_students[0].pk]},
        format="json",
    )
    assert outside.status_code == 400 and "students" in outside.json()
    assert not Incident.objects.exists()
    # The college admin reads their college's incidents only.
    office = api_client(cast.office)
    theirs = office.post(
        "/api/v1/incidents/",
        {"kind": "fever", "occurred_at": timezone.now().isoformat(), "description": "发热", "unit": cast.uni.college.pk},
        format="json",
    ).json()["id"]
    other = office.post(
        "/api/v1/incidents/",
        {"kind": "fever", "occurred_at": timezone.now().isoformat(), "description": "发热", "unit": cast.uni.other_college.pk},
        format="json",
    ).json()["id"]
    college = api_client(cast.uni.college_admin_user)
    assert [row["id"] for row in college.get("/api/v1/incidents/").json()["results"]] == [theirs]
    assert college.get(f"/api/v1/incidents/{other}/").status_code == 404
    assert api_client(cast.uni.student_user).get("/api/v1/incidents/").status_code == 403
