"""The main flow in a real browser: discipline inspection turns a planted missed-report lead
into a 督办, the college answers on a phone, the inspector closes it, the unit's light turns
from red to green."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.supervision import services
from fangxian.supervision.models import Case, Finding
from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser]


def clean(page) -> None:
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def test_inspector_sends_the_college_answers_the_inspector_closes(transactional_db, page_factory, desk):
    college = desk.uni.college
    # Planted: no daily report from any college for two weeks.
    services.derive(timezone.localdate())
    planted = Finding.objects.get(rule="reports.missed", unit=college)

    page = page_factory(viewport=DESKTOP)
    browser_login(page, desk.inspector.username)
    page.goto("/supervision/leads/?rule=reports.missed")
    assert "未报" in page.text_content(f"[data-testid=lead-{planted.pk}]")
    page.click(f"[data-testid=take-{planted.pk}]")
    page.wait_for_selector("[data-testid=case-form]")
    # An overdue deadline cannot be set: the form says why in Chinese.
    page.fill("#id_due_at", (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-testid=send-case]")
    assert "答复期限必须晚于当前时间" in page.text_content("[data-testid=case-form]")
    page.fill("#id_due_at", (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.click("[data-testid=send-case]")
    page.wait_for_selector("[data-testid=case-facts]")
    case = Case.objects.get()
    assert case.unit == college and list(case.findings.all()) == [planted]
    assert "医学院" in page.text_content("[data-testid=case-unit]")
    screenshot(page, "supervision-case-sent")
    # Make the notice overdue: the college's light is red.
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    page.goto("/supervision/")
    assert page.get_attribute(f"[data-testid=light-{college.pk}]", "data-light") == "red"
    clean(page)

    phone = page_factory(viewport=PHONE)
    browser_login(phone, desk.uni.college_admin_user.username)
    phone.goto("/supervision/")
    phone.click(f"[data-testid=answer-{case.pk}]")
    phone.select_option("#id_kind", "rectification")
    phone.fill("#id_text", "已明确日报AB角，补报缺报日报，今后由副书记审核。")
    phone.click("[data-testid=submit-answer]")
    phone.wait_for_selector("[data-testid=answers] .list-group-item")
    assert "整改报告" in phone.text_content("[data-testid=answers]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "supervision-answer-phone")
    clean(phone)

    page.goto(f"/supervision/notices/{case.pk}/")
    page.select_option("#id_decision", "accepted")
    page.fill("#id_note", "整改到位，予以办结。")
    page.click("[data-testid=submit-decision]")
    page.wait_for_selector("[data-testid=record-docx]")
    assert "已办结" in page.text_content("[data-testid=case-status]")
    page.goto("/supervision/")
    # Answered late and closed: no longer red.
    assert page.get_attribute(f"[data-testid=light-{college.pk}]", "data-light") == "yellow"
    screenshot(page, "supervision-standing")
    clean(page)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
