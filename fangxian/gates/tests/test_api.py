from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fangxian.gates import services
from fangxian.gates.models import Scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(world):
    device, raw = services.device_issue(gate=world.gate, name="东门平板")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return device, client


def test_scan_endpoint_judges_and_records(world, device):
    _device, client = device
    scan_id = str(uuid.uuid4())
    response = client.post("/api/v1/gates/scan/", {"scan_id": scan_id, "text": world.pass_for(), "direction": "in"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["allowed"] is True and body["name"] == world.student.name and body["duplicate"] is False
    again = client.post("/api/v1/gates/scan/", {"scan_id": scan_id, "text": "whatever", "direction": "in"}, format="json").json()
    assert again["duplicate"] is True and again["allowed"] is True
    assert Scan.objects.get(scan_id=scan_id).device == _device


def test_bad_payloads_are_refused_with_field_errors(world, device):
    _device, client = device
    response = client.post("/api/v1/gates/scan/", {"scan_id": "nope", "text": "", "direction": "sideways"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"scan_id", "text", "direction"}
    assert Scan.objects.count() == 0


def test_withdrawn_and_unknown_tokens_are_refused(world, device):
    dev, client = device
    services.device_withdraw(device=dev)
    response = client.post("/api/v1/gates/scan/", {"scan_id": str(uuid.uuid4()), "text": "x", "direction": "in"}, format="json")
    assert response.status_code == 401
    assert "撤销" in response.json()["detail"]
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer fxg_not-a-real-token")
    assert stranger.get("/api/v1/gates/keys/").status_code == 401
    assert APIClient().get("/api/v1/gates/keys/").status_code in (401, 403)


def test_session_users_cannot_use_the_device_api(world, client):
    client.force_login(world.guard_user)
    assert client.get("/api/v1/gates/policy/").status_code in (401, 403)


def test_sync_policy_revocations_keys(world, device):
    _device, client = device
    scan_id = str(uuid.uuid4())
    item = {"scan_id": scan_id, "text": world.pass_for(), "direction": "in", "scanned_at": timezone.now().isoformat()}
    response = client.post("/api/v1/gates/sync/", {"scans": [item, item]}, format="json")
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["stored", "duplicate"]
    assert client.post("/api/v1/gates/sync/", {"scans": "nope"}, format="json").status_code == 400
    policy = client.get("/api/v1/gates/policy/").json()
    assert policy["campus"] == world.campus.pk and policy["policies"][0]["rules"]
    assert policy["messages"]["replayed"].startswith("该通行码")
    services.revoke_passes(subject=f"S{world.student.pk}", reason="离校")
    assert client.get("/api/v1/gates/revocations/").json()["revoked"][0]["subject"] == f"S{world.student.pk}"
    keys = client.get("/api/v1/gates/keys/").json()["keys"]
    assert keys[0]["crv"] == "P-256" and "d" not in keys[0]


def test_device_api_is_in_the_openapi_schema(world, client):
    client.force_login(world.guard_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/gates/scan/",
        "/api/v1/gates/sync/",
        "/api/v1/gates/policy/",
        "/api/v1/gates/revocations/",
        "/api/v1/gates/keys/",
    ):
        assert path in schema
    assert "gateDeviceToken" in schema


def test_requests_out_of_order_get_drfs_answers(world, device):
    """The short dispatch serves requests in order; DRF answers everything else as before."""
    _device, client = device
    url = "/api/v1/gates/scan/"
    not_json = client.post(url, data="{not json", content_type="application/json")
    assert not_json.status_code == 400 and "detail" in not_json.json()
    assert client.post(url, data="scan_id=1", content_type="text/plain").status_code == 415
    assert client.get(url).status_code == 405
    assert client.options(url).status_code == 200
    bare = APIClient().post(url, {"scan_id": str(uuid.uuid4()), "text": "x", "direction": "in"}, format="json")
    assert bare.status_code == 401 and bare["WWW-Authenticate"] == 'Bearer realm="gate-device"'
    odd = APIClient(HTTP_AUTHORIZATION="Bearer two words").post(url, {}, format="json")
    assert odd.status_code == 401
    assert Scan.objects.count() == 0


def test_answers_in_order_are_json_with_the_usual_headers(world, device, settings):
    _device, client = device
    response = client.post(
        "/api/v1/gates/scan/",
        {"scan_id": str(uuid.uuid4()), "text": world.pass_for(), "direction": "in"},
        format="json",
        HTTP_ACCEPT="text/html",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["message"] == "Allowed by the campus policy"
    assert response["Content-Language"] == "en" and response["Cache-Control"] == "no-store, private"
    assert response["X-Request-ID"] and "default-src 'self'" in response["Content-Security-Policy"]
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_signed_in_browser_is_no_device(world, device, client):
    """The device endpoints read no session: a guard's browser session is not a device,
    whatever else it sends."""
    client.force_login(world.guard_user)
    response = client.post(
        "/api/v1/gates/scan/",
        {"scan_id": str(uuid.uuid4()), "text": world.pass_for(), "direction": "in"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert Scan.objects.count() == 0


def test_rows_a_device_writes_are_audited_with_its_address_and_request(world, device):
    from auditlog.models import LogEntry

    from fangxian.gates.models import GateAlert

    _device, client = device
    response = client.post(
        "/api/v1/gates/scan/",
        {"scan_id": str(uuid.uuid4()), "text": "FX1.forged.pass", "direction": "in"},
        format="json",
        REMOTE_ADDR="10.8.0.7",
        HTTP_X_REQUEST_ID="gate-req-0001",
    )
    assert response.status_code == 200 and response.json()["allowed"] is False
    entry = LogEntry.objects.get_for_model(GateAlert).get()
    assert entry.remote_addr == "10.8.0.7" and entry.cid == "gate-req-0001"
