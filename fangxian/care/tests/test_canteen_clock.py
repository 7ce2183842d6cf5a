"""The canteens' daily report clock (deadline kind care.canteen_report): a canteen that has
not reported by the time of day in the settings (10:00 by default) is reminded, then
reported to the logistics office; one that reported (once or twice) is left alone; the
overdue list and the canteens page show who is late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from fangxian.care import services
from fangxian.care.deadlines import canteen_report_due
from fangxian.care.models import CanteenReport
from fangxian.deadlines import services as deadlines
from fangxian.deadlines.models import Deadline
from fangxian.notify.models import Notification

pytestmark = pytest.mark.django_db
KIND = services.CANTEEN_REPORT_KIND


def notices(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(user=user, kind__startswith=KIND).order_by("pk").values_list("kind", "title"))


def submit(care, canteen, day):
    return services.canteen_report_submit(
        canteen=canteen, day=day, by=care.canteen_user, windows_open=6, meals_served=800, samples_kept=True, staff_checked=20
    )


def test_a_canteen_late_with_its_report_is_reminded_then_reported_to_the_logistics_office(care):
    due = canteen_report_due(care.today)
    assert due.hour == 10 and due.minute == 0
    # Before the reminder window nothing is planned.
    deadlines.tick(now=due - timedelta(hours=1), kinds=[KIND])
    assert not Deadline.objects.filter(kind=KIND).exists()

    with translation.override("zh-hans"):
        deadlines.tick(now=due - timedelta(minutes=20), kinds=[KIND])
    planned = dict(Deadline.objects.filter(kind=KIND).values_list("object_id", "due_at"))
    assert planned == {care.canteen.pk: due, care.other_canteen.pk: due}
    # The manager of 第一食堂 is reminded of it; 第二食堂 has no manager to remind.
    assert [kind for kind, _title in notices(care.canteen_user)] == [f"{KIND}.remind"]
    assert "第一食堂" in notices(care.canteen_user)[0][1] and "10:00" in notices(care.canteen_user)[0][1]

    # 第一食堂 reports, and (bad input) sends the same day again: one report, corrected.
    submit(care, care.canteen, care.today)
    submit(care, care.canteen, care.today)
    assert CanteenReport.objects.get(canteen=care.canteen, day=care.today).revision == 2

    with translation.override("zh-hans"):
        deadlines.tick(now=due + timedelta(minutes=1), kinds=[KIND])
    told = notices(care.logistics_user)
    assert [kind for kind, _title in told] == [f"{KIND}.logistics"]
    assert "第二食堂" in told[0][1] and "第一食堂" not in told[0][1]
    assert Deadline.objects.get(kind=KIND, object_id=care.canteen.pk).done_at is not None
    # A later tick sends nothing again.
    deadlines.tick(now=due + timedelta(hours=2), kinds=[KIND])
    assert len(notices(care.logistics_user)) == 1


def test_a_report_before_the_window_means_no_deadline_and_old_days_leave_the_list(care):
    due = canteen_report_due(care.today)
    submit(care, care.canteen, care.today)
    deadlines.tick(now=due + timedelta(minutes=1), kinds=[KIND])
    assert list(Deadline.objects.filter(kind=KIND).values_list("object_id", flat=True)) == [care.other_canteen.pk]
    # A week and more later the day can no longer be reported: its deadline is cancelled.
    deadlines.tick(now=due + timedelta(days=9), kinds=[KIND])
    old = Deadline.objects.get(kind=KIND, key=care.today.isoformat())
    assert old.cancelled_at is not None


@override_settings(CARE_CANTEEN_REPORT_DUE="09:30")
def test_the_time_of_day_comes_from_the_settings(care):
    due = canteen_report_due(care.today)
    assert (due.hour, due.minute) == (9, 30)


def test_the_overdue_list_and_the_canteens_page_show_the_late_canteen_in_scope(care, client):
    day = care.days_ago(1)  # yesterday's deadline is past at any hour the test runs
    deadlines.tick(now=canteen_report_due(day) + timedelta(minutes=1), kinds=[KIND])
    client.force_login(care.logistics_user)
    with translation.override("zh-hans"):
        overdue = client.get(reverse("deadlines:overdue")).content.decode()
    assert "第一食堂" in overdue and "第二食堂" in overdue
    # The manager of 第一食堂 sees their canteen's clock, not the other canteen's.
    client.force_login(care.canteen_user)
    overdue = client.get(reverse("deadlines:overdue")).content.decode()
    assert "第一食堂" in overdue and "第二食堂" not in overdue
    page = client.get(reverse("care:canteen_report", args=[care.canteen.pk]) + f"?day={day.isoformat()}").content.decode()
    assert 'data-testid="deadline-clock"' in page and 'data-state="overdue"' in page
    canteens = client.get(reverse("care:canteens") + f"?day={day.isoformat()}").content.decode()
    assert f'data-canteen="{care.canteen.pk}" data-day="{day.isoformat()}" data-overdue="1"' in canteens
    # A student sees no canteen clock.
    client.force_login(care.uni.student_user)
    assert client.get(reverse("deadlines:overdue")).status_code in (403, 404)
