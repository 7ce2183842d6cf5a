"""The daily reports' personal fields (see fangxian.core.personal). A unit's report holds
figures (counts) and free text; the free text (a text answer, the details of a yes/no
answer, the reason for a corrected figure, the office's comment) may name or describe a
student with fever or in isolation. After the emergency the free text goes and the
figures stay: the daily summaries and the dashboard keep their numbers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields

AFTER = Retention.AFTER_EMERGENCY


def blank_free_text(data: dict) -> dict:
    """The answers with every text cleared: strings become "", a yes/no answer keeps its
    answer and loses its details; numbers, dates and choices stay. (Choices are the form's
    own words, dates say nothing about a person.)"""
    cleaned: dict = {}
    for section, answers in (data or {}).items():
        if not isinstance(answers, dict):
            cleaned[section] = answers
            continue
        kept = {}
        for key, value in answers.items():
            if isinstance(value, dict) and "answer" in value:
                kept[key] = {**value, "details": ""}
            elif isinstance(value, str) and not _is_figure_or_date(value):
                kept[key] = ""
            else:
                kept[key] = value
        cleaned[section] = kept
    return cleaned


def _is_figure_or_date(value: str) -> bool:
    text = value.strip()
    return text.replace(".", "", 1).replace("-", "").isdigit()


def deidentify(queryset) -> int:
    """The privacy job's de-identification of submissions or revisions (one batch)."""
    model = queryset.model
    has_comment = any(f.name == "review_comment" for f in model._meta.concrete_fields)
    rows = list(queryset.only("pk", "data", "reasons", *(["review_comment"] if has_comment else [])))
    for row in rows:
        row.data = blank_free_text(row.data)
        row.reasons = {}
        if has_comment:
            row.review_comment = ""
    # bulk_update: no signals, no change-log copy of the text being removed.
    model.objects.bulk_update(rows, ["data", "reasons", *(["review_comment"] if has_comment else [])])
    return len(rows)


def register() -> None:
    purpose = _("Report the unit's situation of the day to the prevention office")
    register_personal_fields(
        "reports.Submission",
        PersonalField("data", Category.HEALTH, purpose, AFTER),
        PersonalField("reasons", Category.NOTE, purpose, AFTER),
        PersonalField("review_comment", Category.NOTE, purpose, AFTER),
        dated_by="day",
        purge="deidentify",
        deidentify=deidentify,
    )
    register_personal_fields(
        "reports.SubmissionRevision",
        PersonalField("data", Category.HEALTH, purpose, AFTER),
        PersonalField("reasons", Category.NOTE, purpose, AFTER),
        dated_by="submitted_at",
        purge="deidentify",
        deidentify=deidentify,
    )
    register_personal_fields(
        "reports.ReportAlert",
        PersonalField("value_text", Category.HEALTH, purpose, AFTER),
        dated_by="raised_at",
        purge="deidentify",
    )
    # The forms' own texts (a form's name, a version's change note), not about a person.
    register_personal_fields("reports.ReportForm", not_personal=("name",))
    register_personal_fields("reports.FormVersion", not_personal=("note",))
