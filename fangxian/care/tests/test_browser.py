"""Care in a real browser: a student asks for help on a phone, the one-to-one counselor
answers on a phone within the time limit, and the student reads the answer."""

from __future__ import annotations

import pytest

from fangxian.care.models import HelpRequest
from fangxian.testing import PHONE, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_clean(page) -> None:
    assert page.watch.foreign_requests() == []
    assert page.watch.console_errors == []


def test_a_student_asks_for_help_and_the_counselor_answers_in_time(care, page_factory):
    uni = care.uni
    student = page_factory(viewport=PHONE)
    browser_login(student, "student1")
    student.goto("/care/ask/")
    student.get_by_label("想找人聊聊").check()
    student.fill("#id_text", "最近睡不好，想找老师聊聊")
    student.get_by_test_id("help-submit").click()
    student.wait_for_load_state("networkidle")
    assert "等待答复" in student.get_by_test_id("waiting").inner_text()
    assert student.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(student, "care-ask-phone")
    request = HelpRequest.objects.get()
    assert request.staff == uni.counselor and request.kind == "talk"

    counselor = page_factory(viewport=PHONE)
    browser_login(counselor, "counselor1")
    counselor.goto("/")
    counselor.locator("[data-tile=care-help]").click()  # the home tile: help requests to answer
    counselor.wait_for_load_state("networkidle")
    counselor.locator(f"[data-request='{request.pk}']").click()
    counselor.wait_for_load_state("networkidle")
    assert "最近睡不好" in counselor.get_by_test_id("request-text").inner_text()
    counselor.fill("#id_answer", "今晚七点到辅导员办公室，我们聊聊")
    counselor.get_by_test_id("answer-submit").click()
    counselor.wait_for_load_state("networkidle")
    assert "按时答复" in counselor.get_by_test_id("answer").inner_text()
    screenshot(counselor, "care-answer-phone")
    request.refresh_from_db()
    assert request.answered_in_time

    student.goto("/care/ask/")
    assert "今晚七点到辅导员办公室" in student.get_by_test_id("answer").inner_text()
    assert_clean(student)
    assert_clean(counselor)
