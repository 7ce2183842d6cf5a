"""Random reachability pings (随机抽查): drawn times nobody on duty can know, the same on every
consumer; at each time everyone on duty then is pinged once; stopped, changed or missed
times send nothing; bad settings are refused in Chinese."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from fangxian.deadlines.services import tick
from fangxian.duty import services
from fangxian.duty.deadlines import PING_SLOT
from fangxian.duty.models import Ping, PingSchedule, PingSlot
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from fangxian.notify.models import Notification
from fangxian.testing import api_client

from .conftest import at


@pytest.fixture
def shift(duty):
    """The college's day shift today (08:00–20:00) with a leader and two staff on it."""
    day = duty.day(0)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.dean, role=DUTY_LEADER_KEY, by=duty.office)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff2, role=DUTY_STAFF_KEY, by=duty.office)
    return day


def _schedule(duty, unit, per_day=1, start=time(9), end=time(19), **kwargs):
    return services.schedule_save(by=duty.office, unit=unit, per_day=per_day, window_start=start, window_end=end, minutes=10, **kwargs)


def test_times_are_drawn_in_the_window_alike_on_every_call_and_anew_each_day(duty):
    day = duty.day(0)
    schedule = _schedule(duty, duty.uni.college, per_day=3, start=time(9), end=time(17))
    times = services.slot_times(schedule, day)
    assert len(set(times)) == 3 and times == sorted(times)
    assert all(at(day, 9) <= t < at(day, 17) for t in times)
    assert services.slot_times(PingSchedule.objects.get(pk=schedule.pk), day) == times  # another consumer draws the same
    assert services.slot_times(schedule, day + timedelta(days=1)) != times
    # A window that ends before it starts runs past midnight.
    night = _schedule(duty, None, per_day=4, start=time(22), end=time(6))
    assert all(at(day, 22) <= t < at(day + timedelta(days=1), 6) for t in services.slot_times(night, day))


def test_a_drawn_time_pings_everyone_on_duty_then_once(duty, shift):
    schedule = _schedule(duty, duty.uni.college)
    (when,) = services.slot_times(schedule, shift)
    tick(now=when - timedelta(minutes=30), kinds=[PING_SLOT])  # planned within the hour, not sent
    slot = PingSlot.objects.get()
    assert slot.at == when and slot.outcome == "" and not Ping.objects.exists()
    tick(now=when, kinds=[PING_SLOT])
    tick(now=when + timedelta(seconds=30), kinds=[PING_SLOT])  # a second consumer: nothing twice
    ping = Ping.objects.get()
    assert ping.scheduled and ping.sent_by is None and ping.unit == duty.uni.college and ping.requests.count() == 3
    assert Notification.objects.filter(kind="duty.ping").count() == 3
    slot.refresh_from_db()
    assert slot.outcome == PingSlot.Outcome.SENT and slot.ping == ping


def test_stopped_changed_missed_and_empty_times_send_nothing(duty, shift):
    # Stopped after its time was planned: nothing at that time.
    college = _schedule(duty, duty.uni.college)
    (when,) = services.slot_times(college, shift)
    tick(now=when - timedelta(minutes=10), kinds=[PING_SLOT])
    _schedule(duty, duty.uni.college, active=False)
    tick(now=when, kinds=[PING_SLOT])
    assert not Ping.objects.exists() and PingSlot.objects.get().outcome == ""

    # The other college has nobody on duty: the time is recorded as such, no error.
    other = _schedule(duty, duty.uni.other_college)
    (then,) = services.slot_times(other, shift)
    tick(now=then - timedelta(minutes=5), kinds=[PING_SLOT])
    tick(now=then, kinds=[PING_SLOT])
    assert PingSlot.objects.get(schedule=other).outcome == PingSlot.Outcome.NOBODY and not Ping.objects.exists()

    # Consumers down for longer than half an hour: the time is dropped, not sent late.
    PingSlot.objects.all().delete()
    _schedule(duty, duty.uni.college)
    tick(now=when + timedelta(minutes=45), kinds=[PING_SLOT])
    assert not PingSlot.objects.filter(schedule=college).exists() and not Ping.objects.exists()


def test_who_may_set_random_pings_and_bad_settings(duty, uni):
    college_admin = uni.college_admin_user
    services.schedule_save(by=college_admin, unit=uni.college, per_day=2, window_start=time(8), window_end=time(22), minutes=10)
    with pytest.raises(PermissionDenied):  # every unit's pings are the office's
        services.schedule_save(by=college_admin, unit=None, per_day=2, window_start=time(8), window_end=time(22), minutes=10)
    with pytest.raises(Http404):  # another college is outside the scope
        services.schedule_save(by=college_admin, unit=uni.other_college, per_day=2, window_start=time(8), window_end=time(22), minutes=10)
    bad = [
        ({"per_day": 0}, "1 到 12"),
        ({"per_day": 13}, "1 到 12"),
        ({"minutes": 0}, "1 到 120"),
        ({"window_end": time(8)}, "结束"),
        ({"per_day": 5, "window_start": time(8), "window_end": time(8, 3)}, "太短"),
    ]
    for change, words in bad:
        args = {"per_day": 2, "window_start": time(8), "window_end": time(22), "minutes": 10, **change}
        with pytest.raises(ValidationError) as refused:
            services.schedule_save(by=duty.office, unit=uni.college, **args)
        assert words in str(refused.value), (change, refused.value)
    assert PingSchedule.objects.get().per_day == 2  # nothing half-saved


def test_office_sets_random_pings_on_the_page(duty, verified_client):
    client = verified_client(duty.office)
    url = reverse("duty:ping_schedule")
    form = {"unit": "", "per_day": 3, "window_start": "08:00", "window_end": "22:00", "minutes": 10, "active": "on"}
    page = client.post(url, form, follow=True)
    assert "已设置随机抽查" in page.text and PingSchedule.objects.get(unit=None).per_day == 3
    assert "每天3次" in page.text.replace(" ", "")
    refused = client.post(url, {**form, "per_day": 0}, follow=True)
    assert "确保该值大于或等于1" in refused.text and PingSchedule.objects.get(unit=None).per_day == 3
    stopped = client.post(url, {**form, "active": ""}, follow=True)
    assert "已停止" in stopped.text and not PingSchedule.objects.get(unit=None).active


def test_random_pings_through_the_api(duty, uni):
    client = api_client(duty.office)
    url = reverse("duty-api-ping-schedules")
    answer = client.post(url, {"unit": uni.college.pk, "per_day": 2, "window_start": "20:00", "window_end": "08:00"}, format="json")
    assert answer.status_code == 200 and answer.json()["unit_name"] == uni.college.name
    refused = client.post(url, {"per_day": 3, "window_start": "08:00", "window_end": "08:00"}, format="json")
    assert refused.status_code == 400 and "结束时间" in str(refused.json())
    assert [s["per_day"] for s in client.get(url).json()] == [2]
