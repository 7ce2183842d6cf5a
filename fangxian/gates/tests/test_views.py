from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.accounts.models import User
from fangxian.gates import selectors, services
from fangxian.gates.models import GateAlert, LeaveApplication, PolicyVersion, Scan, Visit
from fangxian.org.models import Student

from .conftest import same_day_window

pytestmark = pytest.mark.django_db


def test_guard_sees_their_campus_only(world, client):
    client.force_login(world.guard_user)
    page = client.get("/gates/")
    assert page.status_code == 200 and world.campus.name in page.content.decode() and world.other_campus.name not in page.content.decode()
    assert client.get(f"/gates/campus/{world.campus.pk}/").status_code == 200
    assert client.get(f"/gates/campus/{world.other_campus.pk}/").status_code == 404
    assert client.get(f"/gates/station/{world.gate.pk}/bundle.json").status_code == 200
    assert client.get(f"/gates/station/{world.other_gate.pk}/bundle.json").status_code == 404
    station = client.get("/gates/station/").content.decode()
    assert world.gate.name in station and world.west_gate.name in station and world.other_gate.name not in station
    response = client.post(
        "/gates/station/scan/", json.dumps({"gate": world.other_gate.pk, "text": "x", "direction": "in"}), content_type="application/json"
    )
    assert response.status_code == 404


def test_station_opens_at_the_guards_own_gate_then_at_the_last_one_chosen(world, client):
    from fangxian.gates.views import STATION_GATE_KEY
    from fangxian.org.models import AssignmentRole
    from fangxian.org.testing import StaffFactory
    from fangxian.testing import UserFactory

    # A guard covering the whole campus and posted in person at the gate listed last, so
    # that "the first gate of the list" (what the station used to open at) is not theirs.
    user = UserFactory(username="guard3")
    staff = StaffFactory(unit=world.uni.institution, name="门卫 王五", user=user)
    world.uni.assign(staff, AssignmentRole.GATE_GUARD, place=world.campus)
    gates = list(selectors.guard_gates(user))
    own, other = gates[-1], gates[0]
    world.uni.assign(staff, AssignmentRole.GATE_GUARD, place=own)
    client.force_login(user)
    assert client.get("/gates/station/").context["gate"] == own
    assert client.get(f"/gates/station/?gate={other.pk}").context["gate"] == other
    assert client.get("/gates/station/").context["gate"] == other  # remembered
    assert client.get(f"/gates/station/?gate={world.other_gate.pk}").context["gate"] == other  # not theirs
    # A remembered gate the guard may no longer run at is forgotten.
    session = client.session
    session[STATION_GATE_KEY] = world.other_gate.pk
    session.save()
    assert client.get("/gates/station/").context["gate"] == own


def test_station_shows_the_policy_in_force_what_it_changed_and_what_comes_next(world, client):
    from fangxian.gates.models import Category, Decision, Direction

    client.force_login(world.guard_user)
    page = client.get("/gates/station/")
    assert page.context["policy"] == world.policy and page.context["policy_recent"] and page.context["upcoming"] is None
    html = page.content.decode()
    assert f"现行通行规则 v{world.policy.number}" in html and "近期有变更" in html and "policy-upcoming" not in html
    assert "本校区的第一版通行规则" in html

    default = services.default_rules()
    no_visitors = [
        {**rule, "decision": Decision.REFUSE, "window_start": None, "window_end": None}
        if (rule["category"], rule["direction"]) == (Category.VISITOR, Direction.IN)
        else rule
        for rule in default
    ]
    services.policy_publish(campus=world.campus, effective_at=timezone.now() - timedelta(minutes=1), rules=no_visitors, note="暂停访客")
    page = client.get("/gates/station/")
    assert page.context["policy"].number == 2
    assert page.context["policy_changes"] == [
        {"category": "访客", "direction": "进校", "before": "凭审批通行 08:00–18:00", "after": "禁止"}
    ]
    assert "暂停访客" in page.content.decode()

    services.policy_publish(campus=world.campus, effective_at=timezone.now() + timedelta(hours=2), rules=default, note="恢复访客")
    page = client.get("/gates/station/")
    assert page.context["policy"].number == 2 and page.context["upcoming"].number == 3
    assert page.context["upcoming_changes"] == [
        {"category": "访客", "direction": "进校", "before": "禁止", "after": "凭审批通行 08:00–18:00"}
    ]
    assert "将于" in page.content.decode() and "恢复访客" in page.content.decode()


def test_gate_post_guard_runs_only_that_gate(world, client):
    client.force_login(world.other_guard_user)
    assert client.get(f"/gates/campus/{world.other_campus.pk}/").status_code == 200
    assert client.get(f"/gates/campus/{world.campus.pk}/").status_code == 404


def test_outsiders_are_kept_out(world, client, plain_user):
    client.force_login(plain_user)
    assert client.get("/gates/").status_code == 403
    assert client.get("/gates/station/").status_code == 403
    assert client.get("/gates/pass/").status_code == 404
    assert client.post("/gates/station/scan/", "{}", content_type="application/json").status_code == 403
    client.logout()
    assert client.get("/gates/station/").status_code == 302


def test_station_scan_and_sync(world, client):
    client.force_login(world.guard_user)
    scan_id = str(uuid.uuid4())
    body = {"scan_id": scan_id, "gate": world.gate.pk, "direction": "in", "text": world.pass_for()}
    verdict = client.post("/gates/station/scan/", json.dumps(body), content_type="application/json").json()
    assert verdict["allowed"] and verdict["name"] == world.student.name and verdict["message"] == "符合本校区通行政策"
    assert client.post("/gates/station/scan/", "not json", content_type="application/json").status_code == 400
    item = {**body, "scan_id": str(uuid.uuid4()), "scanned_at": timezone.now().isoformat(), "text": "FX1.bad"}
    results = client.post("/gates/station/sync/", json.dumps({"scans": [item, item]}), content_type="application/json").json()["results"]
    assert [r["status"] for r in results] == ["stored", "duplicate"] and results[0]["reason"] == "malformed"
    assert Scan.objects.filter(guard=world.guard_user).count() == 2
    assert GateAlert.objects.filter(kind=GateAlert.Kind.REFUSED).exists()


def test_student_pass_json_is_fresh_each_time(world, client):
    client.force_login(world.student_user)
    assert client.get("/gates/pass/").status_code == 200
    first = client.get("/gates/pass/current.json").json()
    second = client.get("/gates/pass/current.json").json()
    assert first["token"] != second["token"] and first["qr"].startswith("data:image/svg+xml")
    assert first["expires"] - timezone.now().timestamp() <= 90
    assert services.evaluate_pass(first["token"], campus_id=world.campus.pk, direction="in", at=timezone.now()).allowed


def test_leave_flow_through_pages(world, client):
    client.force_login(world.student_user)
    start, end = same_day_window(before=-timedelta(minutes=10), after=timedelta(hours=2))
    form = {
        "purpose": "就医",
        "destination": "市医院",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post("/gates/leave/", form).status_code == 302
    bad = client.post("/gates/leave/", {**form, "ends_at": form["starts_at"]})
    assert bad.status_code == 200 and "返校时间须晚于离校时间" in bad.content.decode()
    leave = LeaveApplication.objects.get()
    client.force_login(world.uni.other_counselor_user)
    assert client.post(f"/gates/leave/{leave.pk}/decide/", {"decision": "approve"}).status_code == 404  # outside their scope
    client.force_login(world.uni.counselor_user)
    assert "就医" in client.get("/gates/leave/").content.decode()
    client.post(f"/gates/leave/{leave.pk}/decide/", {"decision": "approve"})
    leave.refresh_from_db()
    assert leave.status == LeaveApplication.Status.APPROVED


def test_policy_new_version_through_the_page(world, verified_client, office):
    client = verified_client(office)
    page = client.get(f"/gates/campus/{world.campus.pk}/policy/new/")
    assert page.status_code == 200
    form = {"effective_at": (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "note": "收紧"}
    for rule in services.default_rules():
        prefix = f"rule-{rule['category']}-{rule['direction']}"
        form[f"{prefix}-decision"] = "refuse" if rule["category"] == "visitor" else rule["decision"]
        form[f"{prefix}-start"] = rule["window_start"].strftime("%H:%M") if rule["window_start"] else ""
        form[f"{prefix}-end"] = rule["window_end"].strftime("%H:%M") if rule["window_end"] else ""
    assert client.post(f"/gates/campus/{world.campus.pk}/policy/new/", form).status_code == 302
    assert PolicyVersion.objects.filter(campus=world.campus).count() == 2
    detail = client.get(f"/gates/campus/{world.campus.pk}/").content.decode()
    assert "待生效" in detail and "禁止" in detail
    form["rule-staff-in-start"] = "18:00"
    form["rule-staff-in-end"] = "08:00"
    bad = client.post(f"/gates/campus/{world.campus.pk}/policy/new/", form)
    assert bad.status_code == 200 and "时间段的结束须晚于开始" in bad.content.decode()


def test_guard_cannot_write_policies(world, client):
    client.force_login(world.guard_user)
    assert client.get(f"/gates/campus/{world.campus.pk}/policy/new/").status_code == 403


def test_the_security_office_publishes_the_policy_of_its_own_campus_only(world, client):
    from fangxian.org.models import AssignmentRole
    from fangxian.org.testing import StaffFactory, UserFactory

    officer = StaffFactory(unit=world.uni.security_office, name="安稳部 王刚", user=UserFactory(username="security1"))
    world.uni.assign(officer, AssignmentRole.SECURITY_OFFICE, place=world.campus)
    client.force_login(officer.user)
    campus_page = client.get(f"/gates/campus/{world.campus.pk}/").content.decode()
    assert 'data-testid="policy-new"' in campus_page and "devices/new/" not in campus_page
    assert client.get(f"/gates/campus/{world.campus.pk}/policy/new/").status_code == 200
    assert client.get(f"/gates/campus/{world.other_campus.pk}/policy/new/").status_code == 404
    assert client.get(f"/gates/campus/{world.other_campus.pk}/").status_code == 404
    form = {"effective_at": (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "note": "安稳部调整"}
    for rule in services.default_rules():
        prefix = f"rule-{rule['category']}-{rule['direction']}"
        form[f"{prefix}-decision"] = rule["decision"]
        form[f"{prefix}-start"] = rule["window_start"].strftime("%H:%M") if rule["window_start"] else ""
        form[f"{prefix}-end"] = rule["window_end"].strftime("%H:%M") if rule["window_end"] else ""
    assert client.post(f"/gates/campus/{world.campus.pk}/policy/new/", form).status_code == 302
    assert PolicyVersion.objects.filter(campus=world.campus, note="安稳部调整").exists()


def test_visitor_request_and_public_pass(world, client):
    from fangxian.org.testing import make_id_number

    start = timezone.localtime() + timedelta(hours=1)
    form = {
        "kind": "visitor",
        "campus": world.campus.pk,
        "name": "访客丁",
        "id_number": make_id_number(),
        "purpose": "面试",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "host_number": world.uni.counselor.staff_number,
        "host_name": world.uni.counselor.name,
    }
    wrong = client.post("/gates/visit/request/", {**form, "host_name": "无此人"})
    assert wrong.status_code == 200 and "没有与该工号和姓名相符的教职工" in wrong.content.decode()
    response = client.post("/gates/visit/request/", form)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/gates/v/{visit.token}/")
    assert client.get(f"/gates/v/{visit.token}/pass.json").status_code == 404  # not approved yet
    client.force_login(world.uni.counselor_user)
    client.post(f"/gates/visits/{visit.pk}/decide/", {"decision": "approve"})
    client.logout()
    assert client.get(f"/gates/v/{visit.token}/pass.json").json()["token"].startswith("FX1.")
    assert client.get("/gates/v/not-a-token/").status_code == 404


def test_devices_and_revocations_pages(world, verified_client, office):
    client = verified_client(office)
    page = client.post(f"/gates/campus/{world.campus.pk}/devices/new/", {"gate": world.gate.pk, "name": "东门平板"})
    assert page.status_code == 200 and "fxg_" in page.content.decode()
    response = client.post("/gates/revocations/", {"number": world.student.student_number, "reason": "手机丢失"})
    assert response.status_code == 302
    assert client.post("/gates/revocations/", {"number": "nobody", "reason": "x"}).status_code == 200
    assert services.evaluate_pass(world.pass_for(), campus_id=world.campus.pk, direction="in", at=timezone.now()).reason == "revoked"


def test_vehicles_page(world, client):
    client.force_login(world.guard_user)
    now = timezone.localtime()
    ok = client.post(
        "/gates/vehicles/",
        {
            "plate": "甘G12345",
            "owner": "食堂",
            "campus": world.campus.pk,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert ok.status_code == 302
    bad = client.post(
        "/gates/vehicles/",
        {
            "plate": "12345",
            "owner": "x",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "车牌号格式不正确" in bad.content.decode()


def test_demo_loader_uses_what_exists(world):
    from fangxian.gates import demo

    demo.load(size=1, seed=1)
    assert Scan.objects.exists() and Visit.objects.exists()
    assert PolicyVersion.objects.filter(campus=world.campus).count() == 1  # existing policy kept


def test_demo_guard_runs_the_station_and_scans_the_demo_student_green():
    from fangxian.gates import demo
    from fangxian.org import demo as org_demo

    org_demo.load(size=300, seed=7)
    demo.load(size=300, seed=7)
    demo.load(size=300, seed=7)  # idempotent: no second posting
    guard = User.objects.get(username="guard")
    student = Student.objects.select_related("klass", "bed").get(user__username="student")
    gates = list(selectors.guard_gates(guard))
    campus_gates = [g for g in gates if g.parent_id == selectors.home_campus_id(student)]
    assert "东门" in {g.name for g in gates} and len(campus_gates) == 1
    client = Client()
    client.force_login(guard)
    assert client.get(reverse("gates:station")).status_code == 200
    token, _payload = services.issue_personal_pass(student)
    verdict = client.post(
        reverse("gates:station_scan"),
        {"gate": campus_gates[0].pk, "text": token, "direction": "in", "scan_id": str(uuid.uuid4())},
        content_type="application/json",
    ).json()
    assert verdict["allowed"] is True, verdict
    assert verdict["name"] == student.name
