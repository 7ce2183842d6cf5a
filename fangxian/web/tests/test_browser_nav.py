"""The grouped top bar in a real browser: one line at 1440 px for the office even with every
group filled (as when the coming modules plug in), group menus that open, and a menu that
collapses behind the toggler on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fangxian.testing import PHONE, browser_login, screenshot
from fangxian.web import nav
from fangxian.web.nav import NavItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}
# Stand-ins for the coming modules (duty, hazards, notices, supervision …): two entries in
# each group the office does not use yet, on a page every signed-in user may open.
COMING = [
    NavItem(f"t_{group}_{n}", f"{label}{n}", "notify:list", "circle", group=group, order=n)
    for group, label in (("duty", "值班安排"), ("publicity", "通知公告"), ("system", "系统模块"))
    for n in (1, 2)
]


@pytest.fixture
def twenty_modules():
    for item in COMING:
        nav.register(item)
    yield
    for item in COMING:
        nav.unregister(item.key)


def _tops(page) -> list[float]:
    return [box["y"] for box in (li.bounding_box() for li in page.locator("[data-testid=nav] > li").all())]


def test_the_office_top_bar_is_one_line_at_1440(page_factory, office, uni, settings, twenty_modules):
    settings.REQUIRE_TOTP = False  # the second factor has its own test
    page = page_factory(viewport=WIDE)
    browser_login(page, office.username)
    groups = page.locator("[data-testid=nav] > li")
    assert [g.get_attribute("data-nav-group") for g in groups.all()] == [
        "command",
        "students",
        "reports",
        "gates",
        "duty",
        "publicity",
        "org",
        "system",
    ]
    tops = _tops(page)
    assert max(tops) - min(tops) < 2, tops
    user_menu = page.get_by_test_id("user-menu").bounding_box()
    assert abs(user_menu["y"] - tops[0]) < 8
    bar = page.locator(".fx-navbar").bounding_box()
    assert bar["height"] < 70, bar
    screenshot(page, "nav-office-home-1440")

    # A group opens as a menu of its entries; an entry leads to its page.
    page.locator("[data-nav-group=students] > a").click()
    expect(page.locator("[data-nav=ledger]")).to_be_visible()
    screenshot(page, "nav-office-students-menu-1440")
    page.locator("[data-nav=ledger]").click()
    page.wait_for_url("**/ledger/**")
    expect(page.locator("[data-nav-group=students] > a.active")).to_have_count(1)
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []


def test_the_menu_collapses_on_a_phone(page_factory, office, uni, settings):
    settings.REQUIRE_TOTP = False
    page = page_factory(viewport=PHONE)
    browser_login(page, office.username)
    students = page.locator("[data-nav-group=students] > a")
    expect(students).to_be_hidden()
    page.locator(".navbar-toggler").click()
    page.wait_for_selector("#fx-nav.collapse.show")  # the opening animation has ended
    expect(students).to_be_visible()
    tops = _tops(page)
    assert tops == sorted(tops) and len(set(tops)) == len(tops)  # one group a line
    students.click()
    expect(page.locator("[data-nav=ledger]")).to_be_visible()
    screenshot(page, "nav-office-menu-phone")
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []
