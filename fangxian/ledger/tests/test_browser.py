"""The ledger in a real browser: a student applies on a phone, the counselor approves on a
phone, the college confirms, the counselor marks the arrival with one tap, and the office
sees the count change; a dorm move plan is suggested, printed and executed."""

from __future__ import annotations

import pytest

from fangxian.ledger.models import BedSpell, LedgerEntry, MovePlan, StayApplication
from fangxian.ledger.models import Status as S
from fangxian.testing import DESKTOP, PHONE, UserFactory, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_clean(page) -> None:
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def on_campus_count(page) -> int:
    page.goto("/ledger/?status=on_campus_any")
    return int(page.get_by_test_id("count-on-campus").inner_text())


def test_student_applies_counselor_approves_and_office_sees_the_count(ledger, page_factory, office, settings):
    settings.REQUIRE_TOTP = False  # the second factor has its own browser test
    uni = ledger.uni
    student = uni.students[0]
    student.user = UserFactory(username="stu-browser", full_name=student.name)
    student.save()
    ledger.on_campus(uni.students[1])  # one classmate is already on campus

    desk = page_factory(viewport=DESKTOP)
    browser_login(desk, "office1")
    assert on_campus_count(desk) == 1

    # The student, on a phone.
    phone = page_factory(viewport=PHONE)
    browser_login(phone, "stu-browser")
    phone.goto("/ledger/apply/")
    phone.select_option("#id_reason", label="考研")
    phone.fill("#id_reason_note", "准备考研")
    phone.fill("#id_emergency_contact", "李母")
    phone.fill("#id_emergency_phone", "13900000000")
    phone.fill("#id_parent_name", "李母")
    phone.fill("#id_parent_phone", "13900000000")
    phone.get_by_test_id("apply-submit").click()
    phone.wait_for_load_state("networkidle")
    assert "须同意安全承诺" in phone.get_by_test_id("field-error").first.inner_text()  # the pledge is required
    phone.check("#id_pledge")
    screenshot(phone, "ledger-apply-phone")
    phone.get_by_test_id("apply-submit").click()
    phone.wait_for_load_state("networkidle")
    assert phone.get_by_test_id("application-stage").inner_text() == "待辅导员审核"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the form must fit a phone without sideways scrolling"
    screenshot(phone, "ledger-applied-phone")
    assert_clean(phone)

    # The counselor approves on a phone; the college confirms.
    counselor = page_factory(viewport=PHONE)
    browser_login(counselor, "counselor1")
    counselor.goto("/ledger/approvals/")
    card = counselor.locator(f'[data-testid=application][data-student="{student.student_number}"]')
    screenshot(counselor, "ledger-approvals-phone")
    card.get_by_test_id("approve").click()
    counselor.wait_for_load_state("networkidle")
    assert StayApplication.objects.get(student=student).stage == StayApplication.Stage.COUNSELOR_APPROVED
    college = page_factory(viewport=PHONE)
    browser_login(college, "college1")
    college.goto("/ledger/approvals/")
    college.locator(f'[data-testid=application][data-student="{student.student_number}"]').get_by_test_id("approve").click()
    college.wait_for_load_state("networkidle")
    assert LedgerEntry.objects.get(student=student).status == S.APPROVED

    # The student arrives: one tap on the counselor's phone (htmx swaps the card).
    counselor.goto("/ledger/mine/")
    card = counselor.locator(f'[data-testid=student-card][data-student="{student.student_number}"]')
    card.locator("input[name=note]").fill("已到校")
    card.get_by_test_id("set-on_campus").click()
    card = counselor.locator(f'[data-testid=student-card][data-student="{student.student_number}"]')
    card.get_by_test_id("card-saved").wait_for()
    assert card.get_by_test_id("status").inner_text() == "在校"
    assert counselor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(counselor, "ledger-mine-phone")
    assert_clean(counselor)
    assert_clean(college)

    # The office sees one more student on campus.
    assert on_campus_count(desk) == 2
    screenshot(desk, "ledger-list-desktop")
    assert_clean(desk)


def test_dorm_move_plan_is_suggested_printed_and_executed(ledger, page_factory, office, settings):
    settings.REQUIRE_TOTP = False
    uni = ledger.uni
    for student in uni.students:
        ledger.approved(student)
    movers = ledger.add_students(2)
    entries = [ledger.on_campus(s) for s in movers]

    page = page_factory(viewport=DESKTOP)
    browser_login(page, "office1")
    page.goto("/ledger/moves/")
    page.select_option("#id_campus", label=uni.campus.name)
    page.get_by_test_id("plan-suggest").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("move").count() == 2
    assert "2 → 1" in page.get_by_test_id("plan-summary").inner_text()
    screenshot(page, "ledger-move-plan-desktop")
    page.get_by_test_id("plan-print").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("print-sheet").count() == 1
    page.emulate_media(media="print")
    assert not page.locator("nav.fx-navbar").is_visible()
    screenshot(page, "ledger-move-print")
    page.emulate_media(media="screen")
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("plan-execute").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("plan-state").inner_text() == "已执行"
    plan = MovePlan.objects.get()
    for entry in entries:
        entry.refresh_from_db()
        assert entry.building == uni.building
        assert BedSpell.objects.filter(entry=entry, plan=plan).exists()
    assert_clean(page)
