"""Home pages in a real browser: a guard opens the station at their post with one button;
a student sees the live pass and the leave button, which leads to the leave form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_guards_home_has_the_station_button_that_opens_their_post(transactional_db, world, page_factory, viewport):
    page = page_factory(viewport=viewport)
    browser_login(page, "guard1")
    button = page.locator("[data-tile=station]")
    expect(button).to_be_visible()
    assert "东门" in button.inner_text()
    screenshot(page, f"home-guard-{'phone' if viewport is PHONE else 'desktop'}")
    button.click()
    page.wait_for_url(f"**/gates/station/?gate={world.gate.pk}")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("scan-input")).to_be_visible()
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []


def test_a_student_sees_the_pass_and_the_leave_button(transactional_db, world, page_factory):
    page = page_factory(viewport=PHONE)
    browser_login(page, "student1")
    page.wait_for_selector("[data-tile=pass] [data-testid=pass][data-payload]")  # a freshly signed pass
    expect(page.locator("[data-tile=pass] [data-pass-qr]")).to_be_visible()
    leave = page.locator("[data-tile=leave]")
    expect(leave).to_be_visible()
    screenshot(page, "home-student-phone")
    leave.click()
    page.wait_for_url("**/gates/leave/#leave-form")
    expect(page.get_by_test_id("leave-form")).to_be_visible()
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []
