"""The duty flows in a real browser: the office fills a month from a rotation and sees a
planted gap; a member of staff checks in on a phone; a ping goes unanswered and reaches the
leader on duty once the clock has moved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.deadlines.services import tick
from fangxian.duty import services
from fangxian.duty.deadlines import PING, PING_ESCALATE
from fangxian.duty.models import Ping, Post
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
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


def _shift_running(duty):
    """Make the college's roster one 24 h shift a day that started an hour ago (whatever the time)."""
    start = timezone.localtime() - timedelta(hours=1)
    services.roster_save(unit=duty.uni.college, by=None, pattern="full_day", day_starts=start.time().replace(second=0, microsecond=0))
    duty.roster.refresh_from_db()
    return start.date()


def test_office_fills_a_month_and_sees_a_planted_gap(transactional_db, page_factory, duty):
    page = page_factory(viewport=DESKTOP)
    office_login(page, duty.office)
    page.goto(f"/duty/rosters/{duty.roster.pk}/")
    page.click("[data-testid=roster-fill]")
    start = timezone.localdate()
    page.fill("#id_start", start.isoformat())
    page.fill("#id_end", (start + timedelta(days=30)).isoformat())
    page.fill("#id_leaders", duty.dean.name)
    page.fill("#id_staff", f"{duty.staff.name}、{duty.staff2.name}")
    page.click("[data-testid=fill-submit]")
    page.wait_for_load_state("networkidle")
    assert "已排" in page.text_content("main")
    assert page.locator("[data-testid=roster-table] [data-testid=leader]").count() >= 2
    assert Post.objects.filter(shift__roster=duty.roster, role=DUTY_LEADER_KEY).count() == 31 * 2
    # The planted gap: a member of staff gets approved duty leave on a day they are rostered.
    post = Post.objects.filter(shift__roster=duty.roster, role=DUTY_STAFF_KEY, shift__day=start + timedelta(days=3)).first()
    leave = services.leave_ask(user=post.staff.user, start_date=post.shift.day, end_date=post.shift.day, reason="培训")
    services.leave_decide(leave=leave, user=duty.office, approve=True)
    page.goto("/duty/gaps/")
    gap = page.locator("[data-testid=gap-leave]")
    assert post.staff.name in gap.text_content()
    # The school's roster is still empty: its shifts are listed too.
    assert duty.uni.institution.name in page.text_content("[data-testid=gap-shifts]")
    screenshot(page, "duty-gaps-desktop")
    clean(page)


def test_staff_checks_in_on_a_phone(transactional_db, page_factory, duty):
    day = _shift_running(duty)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    page = page_factory(viewport=PHONE)
    browser_login(page, duty.staff_user.username)
    page.goto("/duty/mine/")
    page.click("[data-testid=check-in]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=checked-in]").is_visible()
    assert Post.objects.get(staff=duty.staff).checked_in_at is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "duty-check-in-phone")
    clean(page)


def test_unanswered_ping_reaches_the_leader_on_duty(transactional_db, page_factory, duty):
    day = _shift_running(duty)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.dean, role=DUTY_LEADER_KEY, by=duty.office)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    page = page_factory(viewport=DESKTOP)
    office_login(page, duty.office)
    page.goto("/duty/pings/")
    page.fill("#id_minutes", "5")
    page.click("[data-testid=ping-send]")
    page.wait_for_load_state("networkidle")
    assert "2" in page.text_content("[data-testid=pings-sent]")
    ping = Ping.objects.get()
    # The leader answers; the member of staff does not. The clock moves past the answer
    # window and the second ping: the leader on duty is told.
    services.ping_answer(request=ping.requests.get(staff=duty.dean))
    later = ping.sent_at + timedelta(minutes=5) + PING_ESCALATE + timedelta(seconds=5)
    tick(now=later, kinds=[PING])
    tick(now=later, kinds=[PING])  # a second consumer sends nothing again
    leader = page_factory(viewport=PHONE)
    browser_login(leader, duty.dean_user.username)
    leader.goto("/notifications/")
    items = leader.locator("[data-testid=notification][data-kind='duty.ping.leader']")
    assert items.count() == 1 and duty.staff.name in items.first.text_content()
    screenshot(leader, "duty-ping-leader-phone")
    clean(page)
    clean(leader)
