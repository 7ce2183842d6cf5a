"""Figures other apps' report forms may pre-fill (fangxian.reports.prefill): a form field
naming one of these sources shows the figure for its unit (and the units below it) and day.
The duty staff's daily report (疫情信息日报) asks for incidents and for the people in fever,
positive and close-contact incidents."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .models import Incident, Kind

SOURCES = {
    "incidents.count": None,  # incidents that happened that day
    "incidents.fever_people": Kind.FEVER,
    "incidents.positive_people": Kind.POSITIVE,
    "incidents.close_contact_people": Kind.CLOSE_CONTACT,
}


def _of_day(unit, day: date):
    start = timezone.make_aware(datetime.combine(day, time.min))
    return Incident.objects.filter(occurred_at__gte=start, occurred_at__lt=start + timedelta(days=1), unit__path__startswith=unit.path)


def incidents_count(unit, day: date) -> int:
    return _of_day(unit, day).count()


def people_in(kind: str):
    """The students and staff linked to that day's incidents of `kind` (each person once)."""

    def figure(unit, day: date) -> int:
        rows = _of_day(unit, day).filter(kind=kind)
        students = Incident.students.through.objects.filter(incident__in=rows).values("student_id").distinct().count()
        staff = Incident.staff.through.objects.filter(incident__in=rows).values("staff_id").distinct().count()
        return students + staff

    return figure


def register() -> None:
    from fangxian.reports.prefill import register_prefill

    register_prefill("incidents.count", incidents_count)
    for source, kind in SOURCES.items():
        if kind is not None:
            register_prefill(source, people_in(kind))
