"""Reachability pings at random times (随机抽查): the office keeps a schedule for every unit,
a unit's admin one for their unit; the deadline engine plans each drawn time shortly before
it comes (`duty.ping_slot`) and sends the ping once at that time, across consumers."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.access import require_write
from fangxian.org.models import Unit

from .. import access
from ..models import PingSchedule, PingSlot
from .pings import ping_send

MAX_PER_DAY = 12


def _minutes(start: time, end: time) -> int:
    """The window's length in minutes; an end at or before the start runs past midnight."""
    length = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return length if length > 0 else length + 24 * 60


@transaction.atomic
def schedule_save(
    *, by, unit: Unit | None, per_day: int, window_start: time, window_end: time, minutes: int, active: bool = True
) -> PingSchedule:
    """Set (or stop, `active=False`) the random pings of `unit` (None: every unit, the office's)."""
    if by is not None:
        require_write(by, access.OFFICE if unit is None else access.WRITERS, unit)
    if not 1 <= per_day <= MAX_PER_DAY:
        raise ValidationError({"per_day": _("Between 1 and %(n)s pings a day.") % {"n": MAX_PER_DAY}})
    if not 1 <= minutes <= 120:
        raise ValidationError({"minutes": _("Between 1 and 120 minutes.")})
    if window_start == window_end:
        raise ValidationError({"window_end": _("The time window needs an end different from its start.")})
    if _minutes(window_start, window_end) < per_day:
        raise ValidationError({"window_end": _("The time window is too short for so many pings.")})
    schedule, _created = PingSchedule.objects.select_for_update().update_or_create(
        unit=unit,
        defaults={"per_day": per_day, "window_start": window_start, "window_end": window_end, "answer_minutes": minutes, "active": active},
    )
    return schedule


def slot_times(schedule: PingSchedule, day: date) -> list[datetime]:
    """The day's drawn times of `schedule`, in its window that starts on `day`."""
    seed = hmac.new(settings.SECRET_KEY.encode(), f"duty.ping_schedule:{schedule.pk}:{day.isoformat()}".encode(), hashlib.sha256)
    rng = random.Random(seed.digest())
    length = _minutes(schedule.window_start, schedule.window_end)
    start = timezone.make_aware(datetime.combine(day, schedule.window_start))
    picks = sorted(rng.sample(range(length), min(schedule.per_day, length)))
    return [start + timedelta(minutes=m) for m in picks]


def still_drawn(slot: PingSlot) -> bool:
    """Whether a planned time still belongs to its schedule (stopped or changed since: not)."""
    schedule = slot.schedule
    if not schedule.active:
        return False
    day = timezone.localdate(slot.at)
    return any(slot.at == at for d in (day, day - timedelta(days=1)) for at in slot_times(schedule, d))


def plan_slots(now: datetime, ahead: timedelta, behind: timedelta) -> list[tuple[int, datetime]]:
    """The (slot id, time) of every active schedule's drawn times between now − `behind` and
    now + `ahead`, made once (a unique row per schedule and time)."""
    rows = []
    today = timezone.localdate(now)
    for schedule in PingSchedule.objects.filter(active=True):
        for day in (today - timedelta(days=1), today):
            for at in slot_times(schedule, day):
                if now - behind <= at <= now + ahead:
                    slot, _created = PingSlot.objects.get_or_create(schedule=schedule, at=at)
                    rows.append((slot.pk, at))
    return rows


def send_slot(slot: PingSlot, now: datetime) -> int:
    """The ping of a drawn time, to everyone on duty then; nobody on duty is recorded too."""
    slot = PingSlot.objects.select_related("schedule__unit").get(pk=slot.pk)
    if slot.outcome or not still_drawn(slot):
        return 0
    schedule = slot.schedule
    try:
        ping = ping_send(by=None, unit=schedule.unit, minutes=schedule.answer_minutes, now=now, scheduled=True)
    except ValidationError:  # nobody on duty at that moment
        slot.outcome = PingSlot.Outcome.NOBODY
        slot.save(update_fields=["outcome"])
        return 0
    slot.ping, slot.outcome = ping, PingSlot.Outcome.SENT
    slot.save(update_fields=["ping", "outcome"])
    return ping.requests.count()
