"""The dashboard's personal rows (see fangxian.core.personal). The roll-ups (ClassDay,
CollegeDay, CampusDay) are counts and hold nobody; a student's last scan of a day is
whereabouts, kept until 30 days after the emergency ends."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields


def _own(person) -> Q | None:
    from fangxian.org.models import Student

    return Q(student_id=person.pk) if isinstance(person, Student) else None


def register() -> None:
    purpose = _("Count who is on campus each day")
    register_personal_fields(
        "dashboard.StudentDayScan",
        PersonalField("student_id", Category.WHEREABOUTS, purpose, Retention.AFTER_EMERGENCY),
        PersonalField("direction", Category.WHEREABOUTS, purpose, Retention.AFTER_EMERGENCY),
        PersonalField("last_at", Category.WHEREABOUTS, purpose, Retention.AFTER_EMERGENCY),
        dated_by="day",
        owner=_own,
    )
