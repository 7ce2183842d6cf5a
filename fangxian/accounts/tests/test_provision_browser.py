"""In a real browser: the security admin creates accounts for one college's counselors and
downloads the slips; a counselor signs in with the slip, must change the password and lands
on their home page."""

from __future__ import annotations

from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.org.models import AssignmentRole
from fangxian.org.testing import MiniUniversity, StaffFactory
from fangxian.testing import PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Amber-Valley-Compass-83"


def _login_with_totp(page, user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    browser_login(page, user.username)
    page.fill("#id_code", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.click("[data-testid=totp-submit]")
    page.wait_for_load_state("networkidle")


def test_accounts_for_a_colleges_counselors_and_a_first_sign_in_with_the_slip(page_factory, make_user, tmp_path):
    uni = MiniUniversity()
    counselors = [StaffFactory(unit=uni.college, staff_number=f"F{n:04d}", name=f"辅导员{n}") for n in (1, 2)]
    for counselor in counselors:
        uni.assign(counselor, AssignmentRole.COUNSELOR, unit=uni.klass)
    elsewhere = StaffFactory(unit=uni.other_college, staff_number="F0009")
    uni.assign(elsewhere, AssignmentRole.COUNSELOR, unit=uni.other_klass)
    admin = make_user("secadmin1", "security_admin")

    page = page_factory()
    _login_with_totp(page, admin)
    page.goto("/accounts/users/")
    page.click("[data-testid=provision-link]")
    page.select_option("#id_unit", str(uni.college.pk))
    page.select_option("#id_people", "staff")
    page.select_option("#id_role", AssignmentRole.COUNSELOR)
    page.click("button[name=create]")
    page.wait_for_selector("[data-testid=batch-created]")
    assert "2" in page.inner_text("[data-testid=batch-created]")
    # The counselor who already had an account is listed as skipped.
    assert uni.counselor.staff_number in page.inner_text("[data-testid=batch-skipped]")

    with page.expect_download() as download:
        page.click("[data-testid=slips-xlsx]")
    path = tmp_path / "slips.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    slips = {row[2]: row for row in rows[1:]}
    assert set(slips) == {"F0001", "F0002"}

    page.click("[data-testid=slips-print]")
    page.wait_for_selector("[data-testid=slip]")
    assert page.locator("[data-testid=slip]").count() == 2
    assert page.locator("[data-testid=slip] img").first.evaluate("img => img.naturalWidth") > 0  # the QR drew
    logins = page.locator("[data-testid=slip-login]").all_inner_texts()
    printed = dict(zip(logins, page.locator("[data-testid=slip-password]").all_inner_texts(), strict=True))
    assert printed == {login: row[3] for login, row in slips.items()}
    screenshot(page, "accounts-slips")
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []

    # The counselor, on a phone, with the slip.
    phone = page_factory(viewport=PHONE)
    browser_login(phone, "F0001", slips["F0001"][3])
    phone.goto("/")
    phone.wait_for_selector("[data-testid=must-change]")
    phone.fill("#id_old_password", slips["F0001"][3])
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.click("form:has(#id_new_password1) button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert urlsplit(phone.url).path == reverse("web:home")
    counselors[0].refresh_from_db()
    assert not counselors[0].user.must_change_password and counselors[0].user.check_password(NEW_PASSWORD)
    screenshot(phone, "accounts-first-sign-in-home")
    assert phone.watch.foreign_requests() == [] and phone.watch.console_errors == []
