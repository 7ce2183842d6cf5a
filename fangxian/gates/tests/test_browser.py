"""The guard station in a real browser at phone width: leave approved → pass → green;
revoked → red; network cut → scans judged on the device, queued, and sent once; a visitor's
request approved by the host → the visitor's pass → green with "check the ID card"; a
registered plate → green, an unknown one → red."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangxian.gates import services
from fangxian.gates.models import Category, Decision, LeaveApplication, Scan, Visit
from fangxian.gates.tests.conftest import same_day_window
from fangxian.testing import PHONE, browser_login, screenshot

pytestmark = pytest.mark.browser


def open_station(page_factory, direction="in"):
    guard = page_factory(viewport=PHONE)
    browser_login(guard, "guard1")
    guard.goto("/gates/station/")
    guard.wait_for_load_state("networkidle")
    guard.click(f"label[for=fx-dir-{direction}]")
    return guard


def scan_on(guard, text):
    guard.fill("[data-testid=scan-input]", text)
    guard.click("[data-testid=scan-submit]")


def test_leave_approved_then_pass_scanned_green_and_revoked_red(transactional_db, world, page_factory):
    world.closed_management()
    student = page_factory(viewport=PHONE)
    browser_login(student, "student1")
    student.goto("/gates/leave/")
    start, end = same_day_window(before=timedelta(minutes=1))
    student.fill("#id_purpose", "就医复诊")
    student.fill("#id_destination", "市人民医院")
    student.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    student.fill("#id_ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    student.click("[data-testid=leave-submit]")
    student.wait_for_selector("[data-testid=leave-status]")
    assert "待责任人审批" in student.inner_text("[data-testid=my-leaves]")
    screenshot(student, "gates-leave-applied-phone")

    counselor = page_factory(viewport=PHONE)
    browser_login(counselor, "counselor1")
    counselor.goto("/gates/leave/")
    assert "就医复诊" in counselor.inner_text("[data-testid=to-decide]")
    counselor.click("[data-testid=approve]")
    counselor.wait_for_load_state("networkidle")
    assert LeaveApplication.objects.get().status == LeaveApplication.Status.APPROVED

    student.goto("/gates/pass/")
    student.wait_for_selector("[data-testid=pass][data-payload]")
    payload = student.get_attribute("[data-testid=pass]", "data-payload")
    screenshot(student, "gates-pass-phone")

    guard = open_station(page_factory, direction="out")
    scan_on(guard, payload)
    guard.wait_for_selector("[data-testid=verdict][data-state=allowed]")
    assert world.student.name in guard.inner_text("[data-testid=verdict]")
    assert "外出申请已批准" in guard.inner_text("[data-testid=verdict]")
    screenshot(guard, "gates-station-green-phone")

    scan_on(guard, payload)  # the same pass again: a replay
    guard.wait_for_selector("[data-testid=verdict][data-state=refused]")
    assert "已被使用" in guard.inner_text("[data-testid=verdict]")

    services.revoke_passes(subject=f"S{world.student.pk}", reason="手机丢失")
    student.reload()
    student.wait_for_selector("[data-testid=pass][data-payload]")
    revoked_payload = student.get_attribute("[data-testid=pass]", "data-payload")
    assert revoked_payload != payload
    scan_on(guard, revoked_payload)
    guard.wait_for_selector("[data-testid=verdict][data-state=refused]:has-text('吊销')")
    assert world.student.name in guard.inner_text("[data-testid=verdict]")
    screenshot(guard, "gates-station-red-phone")
    assert Scan.objects.filter(verdict=Scan.Verdict.REFUSED).count() == 2
    assert guard.watch.console_errors == [] and guard.watch.foreign_requests() == []
    assert student.watch.console_errors == []


def test_offline_scans_queue_and_arrive_once(transactional_db, world, page_factory):
    guard = open_station(page_factory, direction="in")
    token = world.pass_for()
    other = world.pass_for(world.uni.students[1])
    guard.context.set_offline(True)
    guard.wait_for_selector("[data-testid=net-state][data-online='0']")
    scan_on(guard, token)
    guard.wait_for_selector("[data-testid=verdict][data-state=allowed]")
    assert "离线核验" in guard.inner_text("[data-testid=verdict]")
    scan_on(guard, token)  # replay caught on the device
    guard.wait_for_selector("[data-testid=verdict][data-state=refused]")
    scan_on(guard, world.uni.students[2].student_number)  # a typed number: verify in person, never a green light
    guard.wait_for_selector("[data-testid=verdict][data-state=verify]")
    assert "身份证件" in guard.inner_text("[data-testid=verdict]")
    scan_on(guard, "甘G12345")  # a plate cannot be judged offline: queued
    guard.wait_for_selector("[data-testid=verdict][data-state=queued]")
    scan_on(guard, other)
    guard.wait_for_selector("[data-testid=verdict][data-state=allowed]")
    assert guard.inner_text("[data-testid=queue]") == "5"
    screenshot(guard, "gates-station-offline-phone")
    assert Scan.objects.count() == 0

    guard.context.set_offline(False)
    guard.wait_for_selector("[data-testid=queue]:text-is('0')", timeout=20_000)
    scans = list(Scan.objects.order_by("scanned_at"))
    assert len(scans) == 5 and all(s.offline for s in scans)
    # The typed number is at best "verify in person", never allowed.
    assert [s.reason for s in scans] == ["ok", "replayed", "verify", "vehicle", "ok"]
    assert scans[0].station_verdict == "allowed" and scans[1].station_verdict == "refused"
    # the queue is gone from the device; nothing is sent twice
    guard.reload()
    guard.wait_for_load_state("networkidle")
    assert Scan.objects.count() == 5
    screenshot(guard, "gates-station-back-online-phone")


def test_photo_uploaded_by_the_college_shows_on_the_guards_green_verdict(transactional_db, world, page_factory, media_root):
    import random

    from fangxian.org.demo import portrait

    college = page_factory(viewport=PHONE)
    browser_login(college, "college1")
    college.goto(f"/org/students/{world.student.pk}/")
    college.set_input_files(
        "[data-testid=photo-input]", files=[{"name": "证件照.jpg", "mimeType": "image/jpeg", "buffer": portrait(random.Random(5), "M")}]
    )
    college.click("[data-testid=photo-submit]")
    college.wait_for_selector("[data-testid=photo]")
    # The element comes with the page; the image loads after it.
    # (Not wait_for_function: its polling compiles the predicate in the page, which the
    # Content-Security-Policy forbids.)
    expect(college.locator("[data-testid=photo]")).to_have_js_property("complete", True)
    assert college.eval_on_selector("[data-testid=photo]", "img => img.complete && img.naturalWidth") == 360
    screenshot(college, "org-student-photo-phone")
    world.student.refresh_from_db()
    assert world.student.photo

    guard = open_station(page_factory, direction="in")
    scan_on(guard, world.pass_for())
    guard.wait_for_selector("[data-testid=verdict][data-state=allowed]")
    guard.wait_for_selector("[data-testid=verdict-photo]:not(.d-none)")
    assert guard.eval_on_selector("[data-testid=verdict-photo]", "img => img.complete && img.naturalWidth") > 0
    assert world.student.name in guard.inner_text("[data-testid=verdict]")
    screenshot(guard, "gates-station-photo-phone")

    scan_on(guard, "甘G12345")  # a vehicle: no photo, and the student's is gone
    guard.wait_for_selector("[data-testid=verdict]:has-text('甘G12345')")
    assert guard.is_hidden("[data-testid=verdict-photo]")
    for page in (college, guard):
        assert page.watch.foreign_requests() == [] and page.watch.console_errors == []


def test_visitor_request_approved_by_the_host_then_plates_at_the_station(transactional_db, world, page_factory):
    from fangxian.org.testing import make_id_number

    # Visitors may enter at any hour here (the default policy: 08:00–18:00), so that the
    # test does not depend on the time of day it runs at.
    rules = [
        {**rule, "window_start": None, "window_end": None} if rule["category"] == Category.VISITOR else rule
        for rule in services.default_rules()
    ]
    services.policy_publish(campus=world.campus, effective_at=timezone.now() - timedelta(minutes=5), rules=rules, note="访客全天")
    start, end = same_day_window(before=timedelta(minutes=1))
    counselor = world.uni.counselor

    visitor = page_factory(viewport=PHONE)  # nobody signed in: a visitor has no account
    visitor.goto("/gates/visit/request/")
    visitor.select_option("#id_kind", Category.VISITOR.value)
    visitor.select_option("#id_campus", str(world.campus.pk))
    visitor.fill("#id_name", "访客丁")
    visitor.fill("#id_id_number", make_id_number())
    visitor.fill("#id_purpose", "招聘面试")
    visitor.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    visitor.fill("#id_ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    visitor.fill("#id_host_number", counselor.staff_number)
    visitor.fill("#id_host_name", "无此人")
    visitor.click("[data-testid=visit-submit]")
    visitor.wait_for_selector(".invalid-feedback, .alert-danger")
    assert "没有与该工号和姓名相符的教职工" in visitor.inner_text("main")
    assert Visit.objects.count() == 0
    visitor.fill("#id_host_name", counselor.name)
    visitor.click("[data-testid=visit-submit]")
    visitor.wait_for_selector("[data-testid=visit-status]")
    visit = Visit.objects.get()
    assert visit.status == Visit.Status.REQUESTED and visitor.url.endswith(f"/gates/v/{visit.token}/")
    screenshot(visitor, "gates-visit-requested-phone")

    host = page_factory(viewport=PHONE)
    browser_login(host, "counselor1")
    host.goto("/gates/visits/")
    assert "访客丁" in host.inner_text("[data-testid=visits]")
    host.click("[data-testid=visit-approve]")
    host.wait_for_load_state("networkidle")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.APPROVED

    visitor.reload()
    visitor.wait_for_selector("[data-testid=pass][data-payload]")
    payload = visitor.get_attribute("[data-testid=pass]", "data-payload")
    screenshot(visitor, "gates-visitor-pass-phone")

    guard = open_station(page_factory, direction="in")
    scan_on(guard, payload)
    guard.wait_for_selector("[data-testid=verdict][data-state=allowed]")
    verdict = guard.inner_text("[data-testid=verdict]")
    assert "访客丁" in verdict and "请核验访客身份证" in verdict
    screenshot(guard, "gates-station-visitor-phone")

    # The guard registers the canteen's van, then types plates at the station.
    guard.goto("/gates/vehicles/")
    guard.fill("#id_plate", "甘g12345")
    guard.fill("#id_owner", "第一食堂")
    guard.select_option("#id_campus", str(world.campus.pk))
    guard.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    guard.fill("#id_ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    guard.click("[data-testid=vehicle-submit]")
    guard.wait_for_selector("[data-testid=vehicles]:has-text('甘G12345')")
    guard.goto("/gates/station/")
    guard.wait_for_load_state("networkidle")
    guard.click("label[for=fx-dir-in]")
    scan_on(guard, "甘G12345")
    guard.wait_for_selector("[data-testid=verdict][data-state=allowed]:has-text('已登记车辆')")
    scan_on(guard, "甘G99999")
    guard.wait_for_selector("[data-testid=verdict][data-state=refused]:has-text('车辆未登记')")
    screenshot(guard, "gates-station-plate-refused-phone")
    assert list(Scan.objects.order_by("scanned_at").values_list("category", "reason")) == [
        (Category.VISITOR, "ok_visit"),
        (Category.VEHICLE, "ok_vehicle"),
        (Category.VEHICLE, "vehicle"),
    ]
    for page in (visitor, host, guard):
        assert page.watch.console_errors == [] and page.watch.foreign_requests() == []


def test_station_policy_panel_follows_the_next_version_taking_effect(transactional_db, world, page_factory):
    rules = [
        {**rule, "decision": Decision.REFUSE, "window_start": None, "window_end": None} if rule["category"] == Category.VISITOR else rule
        for rule in services.default_rules()
    ]
    services.policy_publish(campus=world.campus, effective_at=timezone.now() + timedelta(seconds=5), rules=rules, note="暂停访客")
    guard = open_station(page_factory)
    panel = guard.locator("[data-testid=station-policy]")
    expect(panel).to_have_attribute("data-shows", "1:2")
    assert "v2 将于" in panel.inner_text() and "暂停访客" in panel.inner_text()
    # When v2 takes effect the station fetches the panel again, without a reload.
    expect(panel).to_have_attribute("data-shows", "2:", timeout=15_000)
    assert "现行通行规则 v2" in panel.inner_text() and "访客 · 进校: 凭审批通行 08:00–18:00 → 禁止" in panel.inner_text()
    screenshot(guard, "gates-station-policy-changed-phone")
    assert guard.watch.console_errors == [] and guard.watch.foreign_requests() == []


def test_a_typed_number_shows_name_and_photo_and_the_guard_confirms(transactional_db, world, page_factory, media_root):
    from fangxian.org import photos
    from fangxian.org import services as org_services
    from fangxian.org.testing import make_image

    org_services.person_set_photo(person=world.student, photo=photos.prepare(make_image((300, 400))))
    guard = open_station(page_factory, direction="in")
    scan_on(guard, world.student.student_number)
    guard.wait_for_selector("[data-testid=verdict][data-state=verify]")
    expect(guard.locator("[data-testid=verdict-photo]")).to_be_visible()
    assert world.student.name in guard.inner_text("[data-testid=verdict]")
    assert "人工核验" in guard.inner_text("[data-testid=verdict]")
    screenshot(guard, "gates-station-verify-phone")
    guard.click("[data-testid=verify-confirm]")
    guard.wait_for_selector("[data-testid=verdict][data-state=allowed]")
    assert "门卫已当面核验" in guard.inner_text("[data-testid=verdict]")
    expect(guard.locator("[data-testid=verify-confirm]")).to_be_hidden()

    scan_on(guard, world.uni.students[1].student_number)
    guard.wait_for_selector("[data-testid=verdict][data-state=verify]")
    guard.click("[data-testid=verify-refuse]")
    guard.wait_for_selector("[data-testid=verdict][data-state=refused]")
    assert list(Scan.objects.order_by("received_at").values_list("verdict", "method")) == [
        (Scan.Verdict.VERIFY, Scan.Method.NUMBER),
        (Scan.Verdict.ALLOWED, Scan.Method.CONFIRMED),
        (Scan.Verdict.VERIFY, Scan.Method.NUMBER),
        (Scan.Verdict.REFUSED, Scan.Method.CONFIRMED),
    ]
    assert guard.watch.console_errors == [] and guard.watch.foreign_requests() == []
