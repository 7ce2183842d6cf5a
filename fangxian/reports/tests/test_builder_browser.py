"""The form builder in a real browser: the office adds a section and a question with an
alert rule (seeing it in the phone preview), saves a new version; the college fills the
form on a phone; the alert reaches the leader at once."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone

from fangxian.reports.models import ReportAlert
from fangxian.reports.tests.test_browser import clean, office_login
from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser]


def test_office_builds_an_alert_rule_college_fills_leader_is_alerted(transactional_db, page_factory, rep, office):
    rep.form.deadline = time(23, 59)
    rep.form.save()
    page = page_factory(viewport=DESKTOP)
    office_login(page, office)
    page.goto("/reports/forms/college-daily/version/")
    page.wait_for_selector("[data-testid=builder-section]")
    assert page.locator("[data-testid=builder-section]").count() == 5  # the shipped version's sections
    page.click("[data-testid=add-section]")
    section = page.locator("[data-testid=builder-section]").last
    section.locator("[data-testid=section-title]").fill("发热情况")
    section.locator("[data-testid=add-field]").click()
    field = section.locator("[data-testid=builder-field]").last
    field.locator("[data-testid=field-label]").fill("发热学生人数")
    field.locator("[data-testid=alert-op]").select_option(">")
    field = page.locator("[data-testid=builder-section]").last.locator("[data-testid=builder-field]").last
    field.locator("[data-testid=alert-value]").fill("0")
    assert "预警条件 > 0" in page.text_content("[data-testid=form-preview]")
    page.fill("#id_valid_from", timezone.localdate().isoformat())
    page.fill("#id_note", "增加发热预警")
    screenshot(page, "reports-form-builder")
    page.click("[data-testid=save-form]")
    page.wait_for_load_state("networkidle")
    assert "新版本已保存" in page.text_content("main")
    version = rep.form.version_for(timezone.localdate())
    added = version.schema["sections"][-1]
    assert added["title"] == "发热情况" and added["fields"][0]["label"] == "发热学生人数"
    assert added["fields"][0]["alerts"] == [{"op": ">", "value": 0}]

    phone = page_factory(viewport=PHONE)
    browser_login(phone, "college1")
    phone.goto(f"/reports/fill/college-daily/{rep.uni.college.pk}/{timezone.localdate().isoformat()}/")
    phone.click("[data-testid=zero-all]")
    key = added["key"]
    phone.click(f"[data-testid=zero-{key}]")  # this section is filled in, not 无异常
    phone.fill(f"#f-{key}-{added['fields'][0]['key']}", "2")
    phone.click("[data-testid=submit-report]")
    phone.wait_for_load_state("networkidle")
    assert ReportAlert.objects.get().value == 2

    leader = page_factory(viewport=PHONE)
    browser_login(leader, "leader1")
    leader.goto("/notifications/")
    alert = leader.locator("[data-testid=notification][data-kind='reports.alert']")
    assert "发热学生人数：2" in alert.text_content()
    screenshot(leader, "reports-alert-leader-phone")
    for p in (page, phone, leader):
        clean(p)
