"""Device time is not trusted: an online scan is judged and recorded at the server's time;
a queued (offline) scan is accepted only within the offline window, and each item of a
batch is judged on its own (one bad date never fails the batch)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangxian.gates import services
from fangxian.gates.models import Scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def device_client(world):
    _device, raw = services.device_issue(gate=world.gate, name="东门平板")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _expired_pass(world):
    # Issued ten minutes ago: expired now, valid at the time a lying device would claim.
    return world.pass_for(now=timezone.now() - timedelta(minutes=10))


@pytest.mark.parametrize("claimed", ["backdated", "0001-01-01T00:00:00+08:00", "2020-01-01T08:00:00+08:00", "2022-02-30T08:00:00"])
def test_an_online_scan_ignores_the_devices_clock(world, device_client, claimed):
    token = _expired_pass(world)
    if claimed == "backdated":
        claimed = (timezone.now() - timedelta(minutes=9, seconds=50)).isoformat()
    body = {"scan_id": str(uuid.uuid4()), "text": token, "direction": "in", "scanned_at": claimed}
    before = timezone.now()
    response = device_client.post("/api/v1/gates/scan/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["allowed"] is False and response.json()["reason"] == "expired"
    scan = Scan.objects.get(scan_id=body["scan_id"])
    assert scan.scanned_at >= before


def _item(world, text, scanned_at):
    return {"scan_id": str(uuid.uuid4()), "gate": world.gate.pk, "direction": "in", "text": text, "scanned_at": scanned_at}


def test_a_sync_batch_judges_every_item_on_its_own(world, device_client):
    now = timezone.now()
    good = _item(world, world.pass_for(), now.isoformat())
    bad = [
        _item(world, world.pass_for(), "2022-02-30T08:00:00+08:00"),  # no such day
        _item(world, world.pass_for(), "0001-01-01T00:00:00+08:00"),  # year 1
        _item(world, world.pass_for(), "2020-01-01T08:00:00+08:00"),  # long ago
        _item(world, world.pass_for(), (now - timedelta(hours=3)).isoformat()),  # outside the 2 h window
        _item(world, world.pass_for(), (now + timedelta(hours=1)).isoformat()),  # ahead of the server
        _item(world, world.pass_for(), 10**30),  # a timestamp no calendar holds
        _item(world, world.pass_for(), ["2022"]),
    ]
    response = device_client.post("/api/v1/gates/sync/", {"scans": [bad[0], good, *bad[1:]]}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[1]["status"] == "stored" and results[1]["allowed"] is True
    invalid = [results[0], *results[2:]]
    assert [r["status"] for r in invalid] == ["invalid"] * len(bad)
    assert all(r["message"].startswith(f"第 {n} 项") for r, n in zip(invalid, [1, 3, 4, 5, 6, 7, 8], strict=True))
    assert "2 小时" in results[4]["message"] and "未来" in results[5]["message"]
    assert list(Scan.objects.values_list("scan_id", flat=True)) == [uuid.UUID(good["scan_id"])]


def test_the_offline_window_comes_from_the_settings(world, device_client, settings):
    settings.GATES_OFFLINE_WINDOW_MINUTES = 600
    item = _item(world, world.pass_for(), (timezone.now() - timedelta(hours=3)).isoformat())
    result = device_client.post("/api/v1/gates/sync/", {"scans": [item]}, format="json").json()["results"][0]
    assert result["status"] == "stored"


def test_a_stations_batch_with_bad_dates_is_judged_item_by_item(world, client):
    client.force_login(world.guard_user)
    items = [_item(world, world.pass_for(), "2022-02-30T08:00:00"), _item(world, world.pass_for(), timezone.now().isoformat())]
    response = client.post(reverse("gates:station_sync"), json.dumps({"scans": items}), content_type="application/json")
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["invalid", "stored"]
