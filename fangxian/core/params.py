"""Reading ids, dates and times from query strings, forms, JSON bodies and paths: the one
safe parser every view and endpoint uses.

An id that cannot be one is None (the object is then not found: 404, or the filter's
default). A date or time that is given but unreadable or out of range raises BadParameter,
which is answered 400 with a Chinese message naming the parameter (`bad_request` for
pages, fangxian.api.exceptions for the API) — never a 500 from an overflow or a failed
conversion deeper down."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

# The largest id a database integer column holds (SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1

# Dates the platform works with. Outside these, arithmetic such as "the day before" or
# "the week after" overflows Python's date range (year 1, year 9999) and nothing real lies
# there anyway.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadParameter(BadRequest):
    """A parameter that was given but cannot be read. `field` is its name as sent."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def id_param(value) -> int | None:
    """A positive id from a query or form value; None for anything else, including numbers
    too large for the database (which would otherwise fail inside the query)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_date_text(value) -> date | None:
    """A date written YYYY-MM-DD within MIN_DATE..MAX_DATE; None for anything else."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value if MIN_DATE <= value <= MAX_DATE else None
    if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if MIN_DATE <= day <= MAX_DATE else None


def date_param(value, field: str, *, default: date | None = None) -> date | None:
    """A date from a query or form value. Empty: `default`. Given but not a real date
    (2022-02-30) or outside MIN_DATE..MAX_DATE (0001-01-01, 9999-12-31): BadParameter."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    day = parse_date_text(value)
    if day is None:
        raise BadParameter(
            field,
            _("“%(field)s”: %(value)s is not a date between %(first)s and %(last)s (write it as YYYY-MM-DD).")
            % {"field": field, "value": str(value)[:40], "first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()},
        )
    return day


def day_param(request, field: str = "day", *, default: date | None = None, at_most_today: bool = False) -> date:
    """The day a page is about, from its query (?day=YYYY-MM-DD), else its form. Empty:
    `default`, today when None. Given but not a real date, or out of range: BadParameter
    (400). `at_most_today`: a later day reads as today (pages of what has happened)."""
    today = timezone.localdate()
    value = request.GET.get(field) or request.POST.get(field)
    day = date_param(value, field, default=default or today)
    return min(day, today) if at_most_today else day


def parse_datetime_value(value) -> datetime | None:
    """An aware date and time from ISO 8601 text (naive: local time) or a Unix timestamp
    in seconds or milliseconds, within MIN_DATE..MAX_DATE; None for anything else (a day
    that does not exist, year 1, an overflowing number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            parsed = datetime.fromtimestamp(value / 1000 if abs(value) > 1e11 else value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str) and len(value) <= 64:
        from django.utils.dateparse import parse_datetime

        try:
            parsed = parse_datetime(value.strip())
        except ValueError:  # well formed but not a real moment (2022-02-30, hour 25)
            return None
        if parsed is None:
            return None
        if timezone.is_naive(parsed):
            try:
                parsed = timezone.make_aware(parsed)
            except (OverflowError, ValueError):
                return None
    else:
        return None
    try:
        # Converting to UTC may step outside datetime's range (year 1 at +08:00).
        day = parsed.astimezone(UTC).date()
    except (OverflowError, ValueError):
        return None
    return parsed if MIN_DATE <= day <= MAX_DATE else None


def datetime_param(value, field: str) -> datetime | None:
    """An aware date and time from a query, form or JSON value. Empty: None. Given but
    unreadable or out of range: BadParameter."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_datetime_value(value)
    if parsed is None:
        raise BadParameter(
            field,
            _("“%(field)s”: %(value)s is not a date and time (write it as YYYY-MM-DDTHH:MM:SS+08:00).")
            % {"field": field, "value": str(value)[:40]},
        )
    return parsed


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local midnights that start and end a day (for a range filter on a timestamp)."""
    from datetime import timedelta

    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def bad_request(request, exception=None):
    """handler400: a parameter that cannot be read is named in the answer, in Chinese."""
    message = exception.message if isinstance(exception, BadParameter) else _("The request cannot be read.")
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        from django.http import JsonResponse

        field = exception.field if isinstance(exception, BadParameter) else "non_field_errors"
        return JsonResponse({field: [message]}, status=400)
    return render(request, "core/bad_request.html", {"message": message}, status=400)
