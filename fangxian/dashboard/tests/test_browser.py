"""The dashboard in a real browser: the big screen at 1920×1080 and the phone view with
their charts drawn, and a planted discrepancy (a student scanned out and not back) found in
the reconciliation by name, with a notice that reaches their staff member."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fangxian.dashboard import rollup
from fangxian.notify.models import Notification
from fangxian.testing import PHONE, browser_login, screenshot

pytestmark = pytest.mark.browser
BIG = {"width": 1920, "height": 1080}


@pytest.fixture
def planted(transactional_db, dash, make_user):
    make_user("leader1", "leader")
    dash.scan(dash.uni.students[1], "out")
    dash.scan(dash.uni.other_students[1], "in")
    rollup.refresh_day(dash.today)
    return dash


def charts_drawn(page):
    page.wait_for_load_state("networkidle")
    expected = page.locator("[data-echarts]").count()
    assert expected >= 3
    # (Not wait_for_function: its polling compiles the predicate in the page, which the
    # Content-Security-Policy forbids.)
    expect(page.locator("[data-echarts][data-drawn]")).to_have_count(expected)


def test_dashboard_big_screen_and_phone_with_charts(planted, page_factory):
    page = page_factory(viewport=BIG)
    browser_login(page, "leader1")
    page.goto("/dashboard/")
    charts_drawn(page)
    assert page.locator("[data-tile=out_not_back]").inner_text().strip().endswith("1")
    screenshot(page, "dashboard-desktop-1920")
    page.goto("/dashboard/screen/")
    charts_drawn(page)
    assert page.locator("body.fx-screen").count() == 1
    assert page.locator("#screen-panel[hx-trigger='every 60s']").count() == 1
    screenshot(page, "dashboard-screen-1920x1080")
    assert not page.watch.console_errors and not page.watch.foreign_requests()

    phone = page_factory(viewport=PHONE)
    browser_login(phone, "leader1")
    phone.goto("/dashboard/")
    charts_drawn(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
    screenshot(phone, "dashboard-phone")
    phone.click("[data-testid=college-table] a:has-text('医学院')")
    phone.click("[data-testid=class-table] a:has-text('临床2021级1班')")
    assert planted.uni.students[1].name in phone.locator("[data-testid=student-table]").inner_text()
    assert not phone.watch.console_errors


def test_planted_discrepancy_is_named_and_the_notice_reaches_the_counselor(planted, page_factory):
    uni, student = planted.uni, planted.uni.students[1]
    page = page_factory(viewport=PHONE)
    browser_login(page, "college1")
    page.goto("/dashboard/reconcile/")
    page.click(f"[data-testid=reconcile-table] a:has-text('{uni.college.name}')")
    row = page.locator(f"[data-testid=named-table] tr[data-student='{student.pk}']")
    assert student.name in row.inner_text() and "扫码外出未返回" in row.inner_text()
    assert page.locator("[data-count=ledger]").inner_text() == "3" and page.locator("[data-count=present]").inner_text() == "2"
    screenshot(page, "dashboard-reconcile-phone")
    row.locator("[data-testid=notify]").click()
    page.wait_for_load_state("networkidle")
    assert "已通知" in page.locator(".alert-success").inner_text()
    notice = Notification.objects.get(user=uni.counselor_user)
    assert student.name in notice.title

    counselor = page_factory(viewport=PHONE)
    browser_login(counselor, "counselor1")
    counselor.goto("/notifications/")
    assert student.name in counselor.content()
