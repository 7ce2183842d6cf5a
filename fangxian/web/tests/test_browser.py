"""The shell in a real browser: login, lockout, second factor, navigation, no foreign
requests, no console errors, and screenshots at phone and desktop width."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.testing import DESKTOP, PASSWORD, PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_code(secret_base32: str) -> str:
    import base64

    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    return f"{TOTP(key).token():06d}"


def assert_clean(page) -> None:
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def test_login_and_logout(page_factory, plain_user):
    page = page_factory()
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    browser_login(page, "plain1")
    assert page.url.endswith("/")
    assert page.get_by_test_id("roles").is_visible()
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert_clean(page)


def test_lockout_shows_the_wrong_password_message_even_for_the_right_password(page_factory, plain_user):
    page = page_factory()
    for n in range(5):
        browser_login(page, "plain1", f"wrong-password-{n}")
        assert page.get_by_test_id("form-errors").inner_text().strip() == "用户名或密码不正确。"
    browser_login(page, "plain1", PASSWORD)
    assert "/accounts/login/" in page.url
    assert page.get_by_test_id("form-errors").inner_text().strip() == "用户名或密码不正确。"
    assert_clean(page)


def test_second_factor_enrolment_and_verification(page_factory, office):
    page = page_factory()
    browser_login(page, "office1")
    assert "/accounts/2fa/setup/" in page.url
    assert page.get_by_test_id("totp-qr").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.fill("#id_code", totp_code(secret))
    page.get_by_test_id("totp-submit").click()
    page.wait_for_load_state("networkidle")
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "recovery-codes-desktop")
    page.get_by_role("link", name="我已保存").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/")
    assert_clean(page)

    # A new sign-in asks for a code; the one already used is refused, a recovery code works.
    second = page_factory()
    browser_login(second, "office1")
    assert "/accounts/2fa/" in second.url
    device = TOTPDevice.objects.get(user=office, confirmed=True)
    used = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    used.time = device.last_t * device.step + 1
    second.fill("#id_code", f"{used.token():06d}")
    second.get_by_test_id("totp-submit").click()
    second.wait_for_load_state("networkidle")
    assert "验证码无效" in second.get_by_test_id("field-error").inner_text()
    time.sleep(1.1)  # django-otp slows guessing down after a failure
    second.fill("#id_code", codes[0])
    second.get_by_test_id("totp-submit").click()
    second.wait_for_load_state("networkidle")
    assert second.url.endswith("/")
    assert second.locator('[data-nav="home"]').count() == 1
    assert_clean(second)


NAV_BY_ROLE = {
    "plain_user": set(),
    "auditor": {"audit", "approvals"},
    "secadmin": {"users", "approvals", "exports"},
    "sysadmin": {"config", "approvals", "api"},
    "office": set(),
}
ADMIN_ENTRIES = {"audit", "users", "approvals", "exports", "config", "api"}


@pytest.mark.parametrize("who", NAV_BY_ROLE)
def test_navigation_shows_only_what_the_role_allows(request, page_factory, who, settings):
    settings.REQUIRE_TOTP = False  # the second factor has its own test above
    user = request.getfixturevalue(who)
    page = page_factory()
    browser_login(page, user.username)
    shown = set(page.locator("[data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)"))
    assert "home" in shown  # the brand
    assert shown & ADMIN_ENTRIES == NAV_BY_ROLE[who]
    # Every entry shown leads to a page the user may open.
    for href in page.locator("[data-nav]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        response = page.goto(href)
        assert response.status == 200, href
    assert_clean(page)


MAIN_PAGES = {
    "auditor": ["/", "/audit/", "/audit/?source=events", "/accounts/security/", "/accounts/password/", "/api/docs/"],
    "secadmin": ["/accounts/users/", "/accounts/users/{self_pk}/"],
    "sysadmin": ["/settings/"],
}


@pytest.mark.parametrize("who", MAIN_PAGES)
def test_main_pages_load_from_our_own_origin_without_console_errors(request, page_factory, who, settings):
    settings.REQUIRE_TOTP = False
    user = request.getfixturevalue(who)
    for viewport in (PHONE, DESKTOP):
        page = page_factory(viewport=viewport)
        browser_login(page, user.username)
        for url in MAIN_PAGES[who]:
            response = page.goto(url.format(self_pk=user.pk))
            page.wait_for_load_state("networkidle")
            assert response.status == 200, url
            # No horizontal scrolling at phone width.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{url} is {overflow}px wider than the {viewport['width']}px screen"
        assert_clean(page)
    assert page.watch.requests, "the watcher saw no request at all"


def test_docs_page_draws_the_api(page_factory, plain_user):
    page = page_factory()
    browser_login(page, "plain1")
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert "/api/v1/me/" in page.inner_text(".swagger-ui")
    assert_clean(page)


def test_language_switch_to_english(page_factory, plain_user):
    page = page_factory()
    page.goto("/accounts/login/")
    assert page.get_by_test_id("login-submit").inner_text().strip() == "登录"
    page.select_option("#fx-lang", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_test_id("login-submit").inner_text().strip() == "Sign in"
    assert_clean(page)


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_home_page_screenshots(page_factory, make_user, settings, name, viewport):
    settings.DEMO = True
    settings.REQUIRE_TOTP = False
    make_user("demo1", "prevention_office", "leader", full_name="王敏")
    page = page_factory(viewport=viewport)
    browser_login(page, "demo1")
    assert page.url.endswith("/")
    path = screenshot(page, f"home-{name}")
    assert path.stat().st_size > 5_000
    if viewport is PHONE:
        page.locator(".navbar-toggler").click()
        page.locator("#fx-nav.show").wait_for()
        screenshot(page, "home-phone-menu")
    assert_clean(page)
