"""The holder's photo beside the verdict: the scan answer carries only a link (no image,
no extra query); the link serves the photo to stations that may run the scan's gate (or
the gate's device) for ten minutes after the scan, and to nobody else."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from fangxian.gates import selectors, services
from fangxian.gates.models import Category, Scan
from fangxian.org import photos
from fangxian.org import services as org_services
from fangxian.org.testing import make_id_number, make_image

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _give_photo(person):
    org_services.person_set_photo(person=person, photo=photos.prepare(make_image((300, 400))))


def _station_scan(client, gate, text, scan_id=None) -> dict:
    body = {"scan_id": scan_id or str(uuid.uuid4()), "gate": gate.pk, "direction": "in", "text": text}
    response = client.post(reverse("gates:station_scan"), json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def _image(response) -> Image.Image:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def guard(world, client):
    client.force_login(world.guard_user)
    return client


def test_verdict_links_the_photo_and_the_guard_sees_it(world, guard):
    _give_photo(world.student)
    verdict = _station_scan(guard, world.gate, world.pass_for())
    assert verdict["allowed"] is True
    assert verdict["photo"] == reverse("gates:scan_photo", args=[verdict["scan_id"]])
    response = guard.get(verdict["photo"])
    assert _image(response).size == (300, 400)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_photo_link_without_a_photo_or_for_visitors_and_vehicles(world, guard):
    assert _station_scan(guard, world.gate, world.pass_for())["photo"] is None
    now = timezone.now()
    visit = services.visit_create(
        host=world.uni.counselor,
        campus=world.campus,
        kind=Category.VISITOR,
        name="访客 周敏",
        id_number=make_id_number(),
        purpose="学术交流",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        invited=True,
    )
    assert _station_scan(guard, world.gate, services.issue_visit_pass(visit)[0])["photo"] is None
    assert _station_scan(guard, world.gate, "甘G12345")["photo"] is None
    assert _station_scan(guard, world.gate, "no such thing")["photo"] is None


def test_staff_photo_by_staff_number_and_refusals_still_show_the_holder(world, guard):
    _give_photo(world.uni.counselor)
    _give_photo(world.student)
    verdict = _station_scan(guard, world.gate, world.uni.counselor.staff_number)
    assert verdict["photo"] and _image(guard.get(verdict["photo"]))
    token = world.pass_for()
    _station_scan(guard, world.gate, token)
    replayed = _station_scan(guard, world.gate, token)
    assert replayed["allowed"] is False and replayed["reason"] == "replayed"
    assert replayed["photo"]  # the guard compares the pass holder's face with whoever shows it


def test_photo_costs_the_scan_no_query(world, guard):
    other = world.uni.students[1]
    _give_photo(world.student)
    _station_scan(guard, world.gate, world.pass_for(world.uni.students[2]))  # warm the session and caches
    counts = []
    for student in (other, world.student):  # without, then with a photo
        with CaptureQueriesContext(connection) as queries:
            verdict = _station_scan(guard, world.gate, world.pass_for(student))
        counts.append(len(queries))
        assert (verdict["photo"] is not None) == (student == world.student)
    assert counts[0] == counts[1]


def test_guard_of_another_gate_gets_404(world, client):
    _give_photo(world.student)
    verdict = _station_scan(_logged_in(client, world.guard_user), world.gate, world.pass_for())
    client.force_login(world.other_guard_user)
    assert client.get(verdict["photo"]).status_code == 404
    client.force_login(world.uni.counselor_user)  # sees the student's page, but is no guard
    assert client.get(verdict["photo"]).status_code == 403


def _logged_in(client, user):
    client.force_login(user)
    return client


def _old_scan(world, minutes: int) -> Scan:
    at = timezone.now() - timedelta(minutes=minutes)
    return Scan.objects.create(
        scan_id=uuid.uuid4(),
        campus=world.campus,
        gate=world.gate,
        direction="in",
        method=Scan.Method.NUMBER,
        subject=f"S{world.student.pk}",
        display_name=world.student.name,
        verdict=Scan.Verdict.ALLOWED,
        reason="ok",
        scanned_at=at,
        received_at=at,
    )


def test_photo_only_for_a_recent_scan(world, guard):
    _give_photo(world.student)
    fresh, stale = _old_scan(world, 9), _old_scan(world, 11)
    assert guard.get(reverse("gates:scan_photo", args=[fresh.scan_id])).status_code == 200
    assert guard.get(reverse("gates:scan_photo", args=[stale.scan_id])).status_code == 404
    assert guard.get(reverse("gates:scan_photo", args=[uuid.uuid4()])).status_code == 404
    assert guard.post(reverse("gates:scan_photo", args=[fresh.scan_id])).status_code == 405
    assert selectors.recent_scan(fresh.scan_id, now=timezone.now() + timedelta(minutes=2)) is None


def test_photo_removed_after_the_scan_is_404(world, guard, django_capture_on_commit_callbacks):
    _give_photo(world.student)
    verdict = _station_scan(guard, world.gate, world.pass_for())
    with django_capture_on_commit_callbacks(execute=True):
        org_services.person_set_photo(person=world.student, photo=None)
    assert guard.get(verdict["photo"]).status_code == 404


# -- the device API -----------------------------------------------------------------------


def _device_client(gate) -> APIClient:
    _device, raw = services.device_issue(gate=gate, name="平板")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_device_gets_the_photo_of_its_own_recent_scans_only(world):
    _give_photo(world.student)
    east, south = _device_client(world.gate), _device_client(world.other_gate)
    scan_id = str(uuid.uuid4())
    verdict = east.post("/api/v1/gates/scan/", {"scan_id": scan_id, "text": world.pass_for(), "direction": "in"}, format="json").json()
    assert verdict["photo"] == f"/api/v1/gates/scans/{scan_id}/photo/"
    response = east.get(verdict["photo"], HTTP_ACCEPT="image/jpeg")
    assert _image(response).format == "JPEG" and "no-store" in response["Cache-Control"]
    assert east.get(verdict["photo"]).status_code == 200  # any Accept
    assert south.get(verdict["photo"]).status_code == 404  # another gate's device
    assert east.get(f"/api/v1/gates/scans/{_old_scan(world, 11).scan_id}/photo/").status_code == 404
    assert APIClient().get(verdict["photo"]).status_code == 401
    # A scan sent again comes back as stored, with its photo link.
    again = east.post("/api/v1/gates/scan/", {"scan_id": scan_id, "text": "whatever", "direction": "in"}, format="json").json()
    assert again["duplicate"] is True and again["photo"] == verdict["photo"]


def test_photo_endpoint_and_field_are_in_the_openapi_schema(world, client):
    client.force_login(world.guard_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/gates/scans/{scan_id}/photo/"]["get"]
    assert "image/jpeg" in operation["responses"]["200"]["content"]
    assert operation["security"] == [{"gateDeviceToken": []}]
    verdict = schema["components"]["schemas"]["VerdictOut"]
    assert verdict["properties"]["photo"]["nullable"] is True and "photo" in verdict["required"]
