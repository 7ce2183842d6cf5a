from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangxian.deadlines.services import tick
from fangxian.duty import selectors, services
from fangxian.duty.deadlines import PING
from fangxian.duty.models import PingRequest
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from fangxian.notify.models import Notification

from .conftest import at


@pytest.fixture
def shift(duty):
    day = duty.day(0)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.dean, role=DUTY_LEADER_KEY, by=duty.office)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff2, role=DUTY_STAFF_KEY, by=duty.office)
    return day


def test_ping_reaches_everyone_on_duty_and_escalates_once(duty, shift):
    sent = at(shift, 10)
    ping = services.ping_send(by=duty.office, minutes=10, now=sent)
    assert ping.requests.count() == 3
    assert Notification.objects.filter(kind="duty.ping").count() == 3
    answered = PingRequest.objects.get(staff=duty.staff2)
    services.ping_answer(request=answered, now=sent + timedelta(minutes=2))
    silent = PingRequest.objects.get(staff=duty.staff)
    tick(now=sent + timedelta(minutes=10), kinds=[PING])  # the second ping, to the silent ones
    second = Notification.objects.filter(kind="duty.ping.second")
    assert sorted(n.user.username for n in second) == ["dean1", "dutystaff1"]
    services.ping_answer(request=PingRequest.objects.get(staff=duty.dean), now=sent + timedelta(minutes=12))
    tick(now=sent + timedelta(minutes=20), kinds=[PING])
    tick(now=sent + timedelta(minutes=20, seconds=30), kinds=[PING])  # another consumer: nothing twice
    leader = Notification.objects.filter(kind="duty.ping.leader")
    assert [n.user.username for n in leader] == ["dean1"] and duty.staff.name in leader[0].title
    # Answered after it closed: refused, nothing recorded.
    with pytest.raises(ValidationError) as exc:
        services.ping_answer(request=silent, now=sent + timedelta(minutes=21))
    assert "已截止" in str(exc.value) or "太晚" in str(exc.value)
    silent.refresh_from_db()
    assert silent.answered_at is None
    tick(now=sent + timedelta(minutes=30), kinds=[PING])
    assert [n.user.username for n in Notification.objects.filter(kind="duty.ping.office")] == ["office1"]
    total, units, people = selectors.reachability(duty.office, shift, shift)
    assert (total.asked, total.answered) == (3, 2)
    assert units[0].percent == "67%" and total.median_text == "7:00"


@pytest.fixture
def shift_now(duty):
    """The same three people on whichever shift covers this moment (the tests below answer
    through pages, which read the clock: a day shift fails them after 20:00)."""
    now = timezone.now()
    day, slot = next(
        (d, s)
        for d, s in ((duty.day(-1), 1), (duty.day(0), 0), (duty.day(0), 1))
        if duty.roster.window(d, s)[0] <= now < duty.roster.window(d, s)[1]
    )
    for staff, role in ((duty.dean, DUTY_LEADER_KEY), (duty.staff, DUTY_STAFF_KEY), (duty.staff2, DUTY_STAFF_KEY)):
        services.post_add(roster=duty.roster, day=day, slot=slot, staff=staff, role=role, by=duty.office)
    return day


def test_signed_link_answers_without_login(duty, shift_now, client):
    ping = services.ping_send(by=duty.office, minutes=10)
    item = ping.requests.get(staff=duty.staff)
    url = reverse("duty:ping_link", args=[item.token])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    item.refresh_from_db()
    assert item.answered_at is not None
    assert client.get(reverse("duty:ping_link", args=["nope"])).status_code == 404


def test_ping_answer_from_the_page_only_ones_own(duty, shift_now, client):
    ping = services.ping_send(by=duty.office, minutes=10)
    mine = ping.requests.get(staff=duty.staff)
    other = ping.requests.get(staff=duty.staff2)
    client.force_login(duty.staff_user)
    assert client.post(reverse("duty:ping_answer", args=[other.pk])).status_code == 404
    assert client.post(reverse("duty:ping_answer", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.answered_at is not None


def test_ping_with_nobody_on_duty_is_refused(duty):
    with pytest.raises(ValidationError) as exc:
        services.ping_send(by=duty.office, minutes=10, now=at(duty.day(30), 3))
    assert "没有" in str(exc.value)
