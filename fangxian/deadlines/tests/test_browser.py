"""The overdue list and the clock in a real browser, on a phone and at desktop width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.deadlines import services
from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

from .kinds import KIND

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_counselor_sees_their_overdue_items(transactional_db, page_factory, chain, follow_up, viewport):
    uni = chain.uni
    services.set_deadline(chain.student, KIND, timezone.now() - timedelta(hours=3, minutes=5))
    services.set_deadline(uni.students[1], KIND, timezone.now() + timedelta(hours=1))
    services.set_deadline(uni.other_students[0], KIND, timezone.now() - timedelta(hours=1))  # another college's
    services.tick(now=timezone.now(), kinds=[KIND])
    page = page_factory(viewport=viewport)
    browser_login(page, "counselor1")
    page.goto("/deadlines/overdue/")
    rows = page.locator("[data-testid=overdue-row]")
    assert rows.count() == 1
    text = rows.first.text_content()
    assert chain.student.name in text and "3小时5分钟" in text and "上报包抓领导" in text and "学生跟进" in text
    assert page.text_content("h1").strip().startswith("逾期事项")
    # The row leads to the student's page.
    assert rows.first.locator("a").get_attribute("href") == f"/org/students/{chain.student.pk}/"
    screenshot(page, f"deadlines-overdue-{'phone' if viewport == PHONE else 'desktop'}")
    assert page.watch.foreign_requests() == [] and page.watch.console_errors == []
