"""What care tells other apps through the hooks they offer: the college's daily report
pre-fills the meal situation of its students (ratings and complaints of the day), the
hospital's the students referred to its fever clinic."""

from __future__ import annotations

import copy
from datetime import date

from django.apps import apps

from fangxian.org.models import Student, Unit

from .selectors import referrals_on, student_meal_figures

RATINGS = "care.meals.ratings"
COMPLAINTS = "care.meals.complaints"
REFERRALS = "care.fever.referrals"


def _students(unit: Unit):
    if unit.kind == Unit.Kind.INSTITUTION and unit.parent_id is None:
        return Student.objects.filter(institution_id=unit.pk).values("pk")
    return Student.objects.filter(klass__path__startswith=unit.path).values("pk")


def with_meal_fields(schema: dict) -> dict:
    """A college daily form's questions with the meal situation of its students added to its
    餐饮保障 section, pre-filled from the ratings (for the office's next version of the form)."""
    schema = copy.deepcopy(schema)
    catering = next((s for s in schema.get("sections", []) if s.get("key") == "catering"), None)
    if catering is not None:
        known = {f.get("key") for f in catering["fields"]}
        for key, label, unit, source in (("rated", "学生评价餐次", "份", RATINGS), ("low_rated", "差评及投诉", "条", COMPLAINTS)):
            if key not in known:
                catering["fields"].append({"key": key, "label": label, "type": "integer", "min": 0, "unit": unit, "prefill": source})
    return schema


def meal_figures(unit: Unit, day: date) -> dict[str, int]:
    return student_meal_figures(_students(unit), day)


def connect() -> None:
    if apps.is_installed("fangxian.reports"):
        from fangxian.reports.prefill import register_prefill

        register_prefill(RATINGS, lambda unit, day: meal_figures(unit, day)["ratings"])
        register_prefill(COMPLAINTS, lambda unit, day: meal_figures(unit, day)["complaints"])
        register_prefill(REFERRALS, referrals_on)
