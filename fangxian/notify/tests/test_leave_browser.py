"""Leave notifications in a real browser at phone width: the student applies, the
counselor sees the notification and the home tile, follows it and approves, and the
student reads the decision with the return time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangxian.gates.models import LeaveApplication
from fangxian.gates.tests.conftest import _fresh_caches, same_day_window, world  # noqa: F401  (fixtures)
from fangxian.testing import PHONE, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_leave_request_reaches_the_counselor_and_the_decision_the_student(transactional_db, world, page_factory):  # noqa: F811
    student = page_factory(viewport=PHONE)
    browser_login(student, "student1")
    student.goto("/gates/leave/")
    start, end = same_day_window(before=timedelta(minutes=1))
    student.fill("#id_purpose", "就医复诊")
    student.fill("#id_destination", "市人民医院")
    student.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    student.fill("#id_ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    student.click("[data-testid=leave-submit]")
    student.wait_for_selector("[data-testid=leave-status]")

    counselor = page_factory(viewport=PHONE)
    browser_login(counselor, "counselor1")
    counselor.goto("/")
    tile = counselor.locator("[data-testid=tiles] a[href='/gates/leave/'] .fx-tile-value")
    assert tile.inner_text().strip() == "1"
    counselor.goto("/notifications/")
    notice = counselor.locator("[data-testid=notification][data-kind='gates.leave_request']")
    assert world.student.name in notice.inner_text() and "就医复诊" in notice.inner_text()
    screenshot(counselor, "notify-leave-request-phone")
    notice.locator("a").click()
    counselor.wait_for_selector("[data-testid=to-decide]")
    counselor.click("[data-testid=approve]")
    counselor.wait_for_load_state("networkidle")
    leave = LeaveApplication.objects.get()
    assert leave.status == LeaveApplication.Status.APPROVED

    student.goto("/notifications/")
    decision = student.locator("[data-testid=notification][data-kind='gates.leave_decision']")
    back = f"{timezone.localtime(leave.ends_at):%m-%d %H:%M}"
    assert "已批准" in decision.inner_text() and back in decision.inner_text()
    screenshot(student, "notify-leave-decision-phone")
    for page in (student, counselor):
        assert page.watch.foreign_requests() == [] and page.watch.console_errors == []
