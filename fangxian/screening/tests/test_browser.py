"""The issue's walk-through in a real browser: the office creates a round for the students
under closed management on one campus; a student sees the slot on the phone; the sampler
records three passes on the phone into one pooled tube; the lab's xlsx marks that tube
abnormal; the three are listed and their one-to-one staff notified; the coverage shows the
missing by name.

The camera cannot be driven headless: the sampler's page takes the pass text in the same
field a hand scanner types into (as the guard station's browser tests do)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangxian.ledger import services as ledger_services
from fangxian.notify.models import Notification
from fangxian.screening.models import Member, Round, Tube
from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

from .conftest import lab_file

pytestmark = pytest.mark.browser


def test_round_slot_pooled_tube_abnormal_result_and_coverage(transactional_db, world, page_factory, settings):
    settings.REQUIRE_TOTP = False  # the second factor has its own browser test
    uni, start = world.uni, world.ledger.period.start_date
    # Four students under closed management on the main campus (three of the class, one of the other college).
    for student in (uni.students[2], uni.other_students[0]):
        ledger_services.tag_add(student=student, category=world.ledger.categories["closed"], by=uni.counselor_user, on=start)

    office = page_factory(viewport=DESKTOP)
    browser_login(office, "office1")
    office.goto("/screening/new/")
    now = timezone.localtime()
    begin = "00:00" if now.hour == 0 else (now - timedelta(hours=1)).strftime("%H:%M")
    office.fill("#id_name", "封闭管理学生核酸检测")
    office.fill("#id_day", now.date().isoformat())
    office.fill("#id_starts", begin)
    office.fill("#id_ends", "23:59")
    office.select_option("#id_campus", str(uni.campus.pk))
    office.select_option("#id_category_code", "closed")
    office.select_option("#id_site_1", str(world.site.pk))
    office.click("[data-testid=round-save]")
    expect(office.locator("[data-testid=round-figures]")).to_contain_text("4")
    round = Round.objects.get(name="封闭管理学生核酸检测")
    assert round.expected == 4

    student = page_factory(viewport=PHONE)
    browser_login(student, uni.student_user.username)
    student.goto("/screening/mine/")
    expect(student.locator("[data-testid=my-slot]")).to_contain_text(world.site.name)
    screenshot(student, "screening-slot-phone")
    student.goto("/gates/pass/")
    student.wait_for_selector("[data-testid=pass][data-payload]")
    first_pass = student.get_attribute("[data-testid=pass]", "data-payload")

    sampler = page_factory(viewport=PHONE)
    browser_login(sampler, "sampler1")
    sampler.goto("/screening/sample/")
    sampler.fill("[data-testid=tube-input]", "HG20221205001")
    passes = [first_pass, world.pass_for(uni.students[1]), world.pass_for(uni.students[2])]
    for index, token in enumerate(passes, start=1):
        sampler.fill("[data-testid=scan-input]", token)
        sampler.click("[data-testid=scan-submit]")
        expect(sampler.locator("[data-testid=current-tube]")).to_contain_text(f"{index}/10")
    screenshot(sampler, "screening-sampler-phone")
    tube = Tube.objects.get(number="HG20221205001")
    assert tube.size == 3 and tube.round == round

    office.goto(f"/screening/{round.pk}/results/")
    office.fill("#id_lab", "金域医学检验")
    office.fill("#id_key_header", "样本条码")
    office.fill("#id_result_header", "检测结论")
    office.click("[data-testid=mapping-save]")
    upload = lab_file([[1, "HG20221205001", "异常", now.date().isoformat()]])
    office.set_input_files(
        "#import-file", files=[{"name": "结果.xlsx", "mimeType": "application/octet-stream", "buffer": upload.getvalue()}]
    )
    office.click("[data-testid=import-submit]")
    expect(office.locator("[data-testid=import-ok]")).to_be_visible()
    office.goto(f"/screening/{round.pk}/")
    office.click("[data-testid=flagged-tubes] a")
    people = office.locator("[data-testid=tube-people]")
    for s in uni.students:
        expect(people).to_contain_text(s.name)
    expect(office.locator("[data-testid=tube-result]")).to_contain_text("异常")
    assert Notification.objects.filter(user=uni.counselor_user, kind="screening.abnormal").exists()

    office.goto(f"/screening/{round.pk}/coverage/")
    missing = office.locator("[data-testid=missing-list]")
    expect(missing).to_contain_text(uni.other_students[0].name)
    assert Member.objects.filter(round=round, sampled_at__isnull=True).count() == 1
    screenshot(office, "screening-coverage-desktop")
    for page in (office, student, sampler):
        assert page.watch.foreign_requests() == [] and page.watch.console_errors == []
