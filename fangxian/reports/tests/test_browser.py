"""The main flows in a real browser: a college admin's zero report on a phone, the office
watching completeness change, and a late unit reminded once and escalated once."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.reports import services
from fangxian.reports.models import Submission
from fangxian.reports.reminders import send_due_reminders
from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser]


def office_login(page, user) -> None:
    """The office holds a privileged role: sign in with a recovery code as the second factor."""
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.create(device=device, token="recover1")
    browser_login(page, user.username)
    page.fill("#id_code", "recover1")
    page.click("[data-testid=totp-submit]")
    page.wait_for_load_state("networkidle")


def clean(page) -> None:
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def test_college_admin_submits_a_zero_report_on_a_phone(transactional_db, page_factory, rep):
    rep.form.deadline = time(23, 59)
    rep.form.save()
    page = page_factory(viewport=PHONE)
    browser_login(page, "college1")
    page.goto("/reports/")
    page.click(f"[data-testid=fill-college-daily-{rep.uni.college.pk}]")
    # The head count comes from the ledger: three students have a bed in the college.
    assert page.input_value("#f-headcount-total") == "3"
    page.click("[data-testid=zero-all]")
    assert page.locator("[data-section=safety] .fx-section-fields").is_hidden()
    screenshot(page, "reports-zero-report-phone")
    page.click("[data-testid=submit-report]")
    page.wait_for_load_state("networkidle")
    assert "报告已提交" in page.text_content("main")
    assert "零报告" in page.text_content("[data-testid=status]")
    screenshot(page, "reports-zero-report-phone-done")
    sub = Submission.objects.get()
    assert sub.is_zero and not sub.is_late and sub.revision_count == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    clean(page)


def test_the_office_watches_completeness_change(transactional_db, page_factory, rep, office):
    page = page_factory(viewport=DESKTOP)
    office_login(page, office)
    page.goto("/reports/completeness/college-daily/")
    assert page.text_content("[data-testid=count-missing]").strip() == "2"
    assert "医学院" in page.text_content("[data-testid=missing-units]")
    services.submission_save(
        user=rep.uni.college_admin_user, form=rep.form, unit=rep.uni.college, day=timezone.localdate(), now=rep.at(9), **rep.zero_report()
    )
    page.reload()
    assert page.text_content("[data-testid=count-submitted]").strip() == "1"
    assert page.text_content("[data-testid=count-missing]").strip() == "1"
    missing = page.text_content("[data-testid=missing-units]")
    assert "文学院" in missing and "医学院" not in missing
    # The office calls the people of late units: their phones are shown in full.
    assert rep.other_admin.phone in missing
    screenshot(page, "reports-completeness-office")
    page.goto("/reports/trends/college-daily/?days=7")
    page.wait_for_selector("[data-echarts][data-drawn='1']")
    screenshot(page, "reports-trends")
    clean(page)


def test_a_late_unit_is_reminded_once_and_escalated_once(transactional_db, page_factory, rep):
    # Move the clock: twice before the 10:00 deadline, twice after it.
    for hour, minute in ((9, 5), (9, 40), (10, 5), (10, 35)):
        send_due_reminders(now=rep.at(hour, minute))
    admin = page_factory(viewport=PHONE)
    browser_login(admin, "college1")
    admin.goto("/notifications/")
    items = admin.locator("[data-testid=notification]")
    assert items.count() == 1
    assert "提醒" in items.first.text_content() and "学院日报" in items.first.text_content()
    screenshot(admin, "reports-reminder-phone")
    leader = page_factory(viewport=PHONE)
    browser_login(leader, "leader1")
    leader.goto("/notifications/")
    escalations = leader.locator("[data-testid=notification][data-kind='reports.escalation']")
    assert escalations.count() == 1 and "逾期未报" in escalations.first.text_content() and "医学院" in escalations.first.text_content()
    assert leader.locator("[data-testid=notification]").count() == 1
    # The unit then reports, late.
    admin.goto(f"/reports/fill/college-daily/{rep.uni.college.pk}/{timezone.localdate().isoformat()}/")
    # The report's clock: its deadline, and the reminder and escalation already sent.
    clock = admin.locator("[data-testid=deadline-clock]")
    assert clock.count() == 1 and "10:00" in clock.text_content() and "逾期上报" in clock.text_content()
    admin.click("[data-testid=zero-all]")
    admin.click("[data-testid=submit-report]")
    admin.wait_for_load_state("networkidle")
    sub = Submission.objects.get(unit=rep.uni.college)
    assert sub.is_reported
    assert admin.get_attribute("[data-testid=deadline-clock]", "data-state") == "done"
    # Reminders stop once the unit has reported; nothing new is sent.
    send_due_reminders(now=rep.at(11))
    admin.goto("/notifications/")
    assert admin.locator("[data-testid=notification]").count() == 1
    clean(admin)
    clean(leader)
