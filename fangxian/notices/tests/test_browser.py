"""The main flow in a real browser: the office publishes a policy with a question to one
college's students; a student reads it on a phone and passes the question; the counselor sees
the ones who have not read and reminds them (once)."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from fangxian.notices.models import Notice, Receipt, Status
from fangxian.notify.models import Notification
from fangxian.testing import DESKTOP, PHONE, browser_login, screenshot

pytestmark = pytest.mark.browser


def office_login(page, user) -> None:
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


def test_publish_read_on_a_phone_and_remind_the_ones_who_have_not_read(transactional_db, world, page_factory):
    uni = world.uni
    # 1. The office writes the policy for 医学院 and publishes it.
    office = page_factory(viewport=DESKTOP)
    office_login(office, world.office)
    office.goto("/notices/")
    office.click("[data-testid=notice-new]")
    office.select_option("#id_kind", "policy")
    office.fill("#id_title", "关于做好暑期疫情防控工作的通知")
    office.fill("#id_issuer", "河西学院疫情防控工作领导小组办公室")
    office.fill("#id_number", "河西学院防控办〔2022〕5号")
    office.fill("#id_body", "各学院：\n\n留校学生出入校门须出示通行码。\n\n离校前须向辅导员报备。")
    office.select_option("#id_aud0-kind", "unit")
    office.select_option("#id_aud0-unit", str(uni.college.pk))
    office.fill("#id_questions", "1. 出入校门需要出示什么？\nA. 通行码 *\nB. 饭卡")
    office.click("[data-testid=notice-save]")
    office.wait_for_load_state("networkidle")
    expect(office.get_by_test_id("notice-title")).to_have_text("关于做好暑期疫情防控工作的通知")
    office.click("[data-testid=notice-publish]")
    office.wait_for_load_state("networkidle")
    expect(office.locator(".alert-success")).to_contain_text("应阅 5 人")
    expect(office.get_by_test_id("notice-rate")).to_contain_text("5 人中 0 人已确认")
    notice = Notice.objects.get()
    assert notice.status == Status.PUBLISHED
    screenshot(office, "notices-office-published")
    clean(office)

    # 2. A student of the college reads it on a phone, fails once, then passes.
    phone = page_factory(viewport=PHONE)
    browser_login(phone, "student1")
    tile = phone.locator("[data-tile=notices-to-read]")
    expect(tile).to_be_visible()
    tile.click()
    phone.wait_for_load_state("networkidle")
    phone.get_by_test_id("to-read").get_by_text("关于做好暑期疫情防控工作的通知").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_test_id("notice-body")).to_contain_text("通行码")
    question = notice.questions.get()
    phone.check(f"#q{question.pk}_1")
    phone.click("[data-testid=acknowledge]")
    phone.wait_for_load_state("networkidle")
    expect(phone.locator(".alert-danger")).to_contain_text("低于合格分数")
    phone.check(f"#q{question.pk}_0")
    phone.click("[data-testid=acknowledge]")
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_test_id("read-done")).to_be_visible()
    screenshot(phone, "notices-student-read-phone")
    clean(phone)
    assert Receipt.objects.get(notice=notice, user=uni.student_user).read_at is not None

    # 3. The counselor sees the two students who have not read and reminds them.
    counselor = page_factory(viewport=PHONE)
    browser_login(counselor, "counselor1")
    counselor.goto(f"/notices/{notice.pk}/")
    expect(counselor.get_by_test_id("receipt-tree")).to_contain_text("临床2021级1班")
    counselor.click("[data-testid=notice-unread-link]")
    counselor.wait_for_load_state("networkidle")
    unread = counselor.get_by_test_id("unread-list")
    for student in uni.students[1:]:
        expect(unread).to_contain_text(student.name)
    expect(unread).not_to_contain_text(uni.students[0].name)
    counselor.click("[data-testid=renotify]")
    counselor.wait_for_load_state("networkidle")
    expect(counselor.locator(".alert-success")).to_contain_text("已提醒 2 人")
    counselor.click("[data-testid=renotify]")
    counselor.wait_for_load_state("networkidle")
    expect(counselor.locator(".alert-success")).to_contain_text("已提醒 0 人")
    screenshot(counselor, "notices-counselor-unread-phone")
    clean(counselor)
    reminded = set(Notification.objects.filter(kind="notices.reminder").values_list("user__username", flat=True))
    assert reminded == {"student2", "student3"}
