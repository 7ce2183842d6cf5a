from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangxian.deadlines.models import Deadline
from fangxian.deadlines.services import tick
from fangxian.duty import selectors, services
from fangxian.duty.deadlines import CHECK_IN
from fangxian.duty.models import LogEntry
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from fangxian.notify.models import Notification

from .conftest import at


def _shift_now(duty):
    """The college's day shift of today, 08:00–20:00, with a leader and a member of staff."""
    day = duty.day(0)
    leader = services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.dean, role=DUTY_LEADER_KEY, by=duty.office)
    staff = services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    return leader, staff


def test_check_in_only_own_shift_and_today(duty):
    leader, staff = _shift_now(duty)
    day = duty.day(0)
    with pytest.raises(ValidationError) as exc:
        services.check_in(post=staff, user=duty.dean_user, now=at(day, 8, 5))
    assert "不是您的班次" in str(exc.value)
    later = services.post_add(roster=duty.roster, day=duty.day(2), slot=0, staff=duty.staff2, role=DUTY_STAFF_KEY, by=duty.office)
    with pytest.raises(ValidationError) as exc:
        services.check_in(post=later, user=duty.staff2_user, now=at(day, 9))
    assert "当天" in str(exc.value)
    post = services.check_in(post=staff, user=duty.staff_user, now=at(day, 8, 3))
    assert post.checked_in_at == at(day, 8, 3)
    # Idempotent: the first time counts.
    assert services.check_in(post=staff, user=duty.staff_user, now=at(day, 9)).checked_in_at == at(day, 8, 3)


def test_missed_check_in_alerts_leader_and_unit_admin_once(duty):
    leader, staff = _shift_now(duty)
    day = duty.day(0)
    services.check_in(post=leader, user=duty.dean_user, now=at(day, 8, 1))
    tick(now=at(day, 8, 10), kinds=[CHECK_IN])
    assert Deadline.objects.filter(kind=CHECK_IN).count() == 1  # the leader checked in before the clock started
    assert not Notification.objects.filter(kind="duty.check_in.alert").exists()
    tick(now=at(day, 8, 16), kinds=[CHECK_IN])
    tick(now=at(day, 8, 17), kinds=[CHECK_IN])  # a second consumer / the next minute: nothing again
    alerts = Notification.objects.filter(kind="duty.check_in.alert")
    assert sorted(n.user.username for n in alerts) == ["college1", "dean1"]
    assert duty.staff.name in alerts.first().title
    # The office page lists who is not on post.
    missing = selectors.not_on_post(list(selectors.posts_now(duty.office, at(day, 8, 20))), at(day, 8, 20))
    assert [p.staff for p in missing] == [duty.staff]


def test_phone_page_check_in_and_handover(duty, client):
    # A 24 h shift that started an hour ago, whatever the time of day.
    start = timezone.localtime() - timedelta(hours=1)
    services.roster_save(unit=duty.uni.college, by=None, pattern="full_day", day_starts=start.time().replace(second=0, microsecond=0))
    duty.roster.refresh_from_db()
    staff = services.post_add(roster=duty.roster, day=start.date(), slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    client.force_login(duty.staff_user)
    page = client.get(reverse("duty:mine"))
    assert page.status_code == 200 and 'data-testid="check-in"' in page.content.decode()
    assert client.post(reverse("duty:check_in", args=[staff.pk])).status_code == 302
    staff.refresh_from_db()
    assert staff.checked_in_at is not None
    assert client.post(reverse("duty:check_out", args=[staff.pk]), {"note": "东门测温仪故障，已报修。"}).status_code == 302
    staff.refresh_from_db()
    assert staff.handover_note == "东门测温仪故障，已报修。"
    following = services.post_add(
        roster=duty.roster, day=start.date() + timedelta(days=1), slot=0, staff=duty.staff2, role=DUTY_STAFF_KEY, by=duty.office
    )
    assert [p.handover_note for p in selectors.previous_handover(following)] == ["东门测温仪故障，已报修。"]


def test_duty_log_signed_and_visible_to_leader_and_office(duty, client, verified_client):
    leader, staff = _shift_now(duty)
    day = duty.day(0)
    entry = services.log_write(post=staff, user=duty.staff_user, kind="call", text="接到学生家长来电。", now=at(day, 10))
    assert services.signature_valid(entry)
    LogEntry.objects.filter(pk=entry.pk).update(text="改过的内容")
    entry.refresh_from_db()
    assert not services.signature_valid(entry)
    with pytest.raises(ValidationError):
        services.log_write(post=staff, user=duty.dean_user, kind="call", text="冒名", now=at(day, 10))
    assert list(LogEntry.objects.visible_to(duty.dean_user)) == [entry]
    assert list(LogEntry.objects.visible_to(duty.office)) == [entry]
    assert not LogEntry.objects.visible_to(duty.uni.other_counselor_user).exists()
    assert not LogEntry.objects.visible_to(duty.staff2_user).exists()
