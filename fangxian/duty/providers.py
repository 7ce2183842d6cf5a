"""What the duty app tells other apps through the hooks they offer: the figures of the daily
epidemic information report (疫情信息日报), pre-filled for a unit and a day from the day's
roster, check-ins, duty log and pings (fangxian.reports.prefill). Open incidents are not
counted here: fangxian.core.incidents offers no count to read."""

from __future__ import annotations

from datetime import date

from fangxian.reports.prefill import register_prefill

from .models import LogEntry, PingRequest, Post, Roster
from .selectors import day_window


def _posts(unit, day: date):
    return Post.objects.filter(shift__roster__unit=unit, shift__day=day)


def posts(unit, day: date) -> int:
    return _posts(unit, day).count()


def checked_in(unit, day: date) -> int:
    return _posts(unit, day).filter(checked_in_at__isnull=False).count()


def not_checked_in(unit, day: date) -> int:
    return _posts(unit, day).filter(checked_in_at__isnull=True).count()


def log_entries(unit, day: date) -> int:
    start, end = day_window(day, day)
    return LogEntry.objects.filter(post__shift__roster__unit=unit, written_at__gte=start, written_at__lt=end).count()


def pings_unanswered(unit, day: date) -> int:
    start, end = day_window(day, day)
    return PingRequest.objects.filter(
        post__shift__roster__unit=unit, ping__sent_at__gte=start, ping__sent_at__lt=end, answered_at__isnull=True
    ).count()


SOURCES = {
    "duty.posts": posts,
    "duty.checked_in": checked_in,
    "duty.not_checked_in": not_checked_in,
    "duty.log_entries": log_entries,
    "duty.pings_unanswered": pings_unanswered,
}


def _if_on_duty(fn):
    """No figure (None, not 0) for a unit that keeps no roster: it has nothing to report here."""

    def figure(unit, day: date) -> int | None:
        if not Roster.objects.filter(unit=unit).exists():
            return None
        return fn(unit, day)

    return figure


def connect() -> None:
    for source, fn in SOURCES.items():
        register_prefill(source, _if_on_duty(fn))
