"""A typed number (student/staff number, ID number) never opens the gate by itself: at a
guard's station it answers "verify in person" and the guard's answer is recorded as a
scan of its own; an unattended device refuses it without looking it up."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangxian.gates import services
from fangxian.gates.models import GateAlert, Scan

pytestmark = pytest.mark.django_db


def _post(client, name, body):
    return client.post(reverse(name), json.dumps(body), content_type="application/json")


def _station_scan(client, gate, text) -> dict:
    response = _post(client, "gates:station_scan", {"scan_id": str(uuid.uuid4()), "gate": gate.pk, "direction": "in", "text": text})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def guard(world, client):
    client.force_login(world.guard_user)
    return client


@pytest.fixture
def device_client(world):
    _device, raw = services.device_issue(gate=world.gate, name="无人值守闸机")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_typed_student_or_id_number_answers_verify_in_person_with_name_and_photo(world, guard):
    for text in (world.student.student_number, world.student.id_number):
        verdict = _station_scan(guard, world.gate, text)
        assert verdict["allowed"] is False and verdict["verify"] is True and verdict["reason"] == "verify"
        assert verdict["name"] == world.student.name and "核验" in verdict["message"]
    scans = Scan.objects.order_by("received_at")
    assert [s.verdict for s in scans] == [Scan.Verdict.VERIFY, Scan.Verdict.VERIFY]
    assert {s.method for s in scans} == {Scan.Method.NUMBER, Scan.Method.ID_NUMBER}
    # Waiting for the guard is neither a passage nor a refused attempt.
    assert not GateAlert.objects.exists()


def test_the_guards_confirmation_is_recorded_as_such_once(world, guard):
    verdict = _station_scan(guard, world.gate, world.student.student_number)
    body = {"scan_id": verdict["scan_id"], "confirmed": True}
    answer = _post(guard, "gates:station_confirm", body)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["allowed"] is True and data["reason"] == "ok_confirmed" and data["name"] == world.student.name
    again = _post(guard, "gates:station_confirm", body).json()
    assert again["duplicate"] is True and again["scan_id"] == data["scan_id"]
    confirmation = Scan.objects.get(scan_id=data["scan_id"])
    assert confirmation.verdict == Scan.Verdict.ALLOWED and confirmation.method == Scan.Method.CONFIRMED
    assert confirmation.guard == world.guard_user and confirmation.subject == f"S{world.student.pk}"
    assert Scan.objects.count() == 2
    # The campus page tells the waiting check and the guard's confirmation apart.
    page = guard.get(f"/gates/campus/{world.campus.pk}/").content.decode()
    assert "人工核验" in page and "手输号码，门卫当面核验后放行" in page


def test_the_guard_may_refuse_and_a_revocation_in_between_counts(world, guard):
    first = _station_scan(guard, world.gate, world.student.student_number)
    refused = _post(guard, "gates:station_confirm", {"scan_id": first["scan_id"], "confirmed": False}).json()
    assert refused["allowed"] is False and refused["reason"] == "not_confirmed"
    second = _station_scan(guard, world.gate, world.student.student_number)
    services.revoke_passes(subject=f"S{world.student.pk}", reason="手机丢失")
    late = _post(guard, "gates:station_confirm", {"scan_id": second["scan_id"], "confirmed": True}).json()
    assert late["allowed"] is False and late["reason"] == "revoked"
    assert not Scan.objects.filter(verdict=Scan.Verdict.ALLOWED).exists()


def test_only_a_verify_scan_of_the_guards_gates_and_only_soon_can_be_confirmed(world, guard, client):
    allowed = _station_scan(guard, world.gate, world.pass_for())
    assert _post(guard, "gates:station_confirm", {"scan_id": allowed["scan_id"], "confirmed": True}).status_code == 400
    assert _post(guard, "gates:station_confirm", {"scan_id": "nope", "confirmed": True}).status_code == 400
    assert _post(guard, "gates:station_confirm", {"scan_id": str(uuid.uuid4()), "confirmed": True}).status_code == 404
    verdict = _station_scan(guard, world.gate, world.uni.students[1].student_number)
    assert _post(guard, "gates:station_confirm", {"scan_id": verdict["scan_id"], "confirmed": "yes"}).status_code == 400
    # The other campus's guard cannot answer for this gate.
    from django.test import Client

    other = Client()
    other.force_login(world.other_guard_user)
    assert _post(other, "gates:station_confirm", {"scan_id": verdict["scan_id"], "confirmed": True}).status_code == 404
    # Ten minutes later the person is gone: type the number again.
    # (Scans are append-only: the age is set on the row as read, not stored.)
    old = Scan.objects.get(scan_id=verdict["scan_id"])
    old.received_at = timezone.now() - services.CONFIRM_WINDOW - timedelta(seconds=1)
    with pytest.raises(ValidationError):
        services.confirm_typed(scan=old, guard=world.guard_user, confirmed=True)


def test_a_typed_number_of_another_campus_is_refused_not_verified(world, client):
    client.force_login(world.other_guard_user)
    verdict = _station_scan(client, world.other_gate, world.student.student_number)
    assert verdict["allowed"] is False and verdict["verify"] is False and verdict["reason"] == "other_campus"


def test_guessed_numbers_never_allow(world, guard):
    for n in range(5):
        verdict = _station_scan(guard, world.gate, f"2021{n:06d}")
        assert verdict["allowed"] is False
    assert not Scan.objects.filter(verdict=Scan.Verdict.ALLOWED).exists()


def test_an_unattended_device_refuses_typed_numbers_without_naming_anyone(world, device_client):
    for text in (world.student.student_number, world.student.id_number):
        response = device_client.post("/api/v1/gates/scan/", {"scan_id": str(uuid.uuid4()), "text": text, "direction": "in"}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert body["allowed"] is False and body["verify"] is False and body["reason"] == "unattended"
        assert body["name"] == "" and body["photo"] is None
    item = {"scan_id": str(uuid.uuid4()), "text": world.student.student_number, "direction": "in", "scanned_at": timezone.now().isoformat()}
    result = device_client.post("/api/v1/gates/sync/", {"scans": [item]}, format="json").json()["results"][0]
    assert result["status"] == "stored" and result["allowed"] is False and result["reason"] == "unattended"
    assert not Scan.objects.filter(verdict__in=[Scan.Verdict.ALLOWED, Scan.Verdict.VERIFY]).exists()


def test_a_typed_number_queued_offline_is_stored_as_verify_never_allowed(world, guard):
    item = {
        "scan_id": str(uuid.uuid4()),
        "gate": world.gate.pk,
        "direction": "in",
        "text": world.student.student_number,
        "scanned_at": timezone.now().isoformat(),
    }
    result = _post(guard, "gates:station_sync", {"scans": [item]}).json()["results"][0]
    assert result["status"] == "stored" and result["allowed"] is False and result["verify"] is True
    assert Scan.objects.get().verdict == Scan.Verdict.VERIFY
