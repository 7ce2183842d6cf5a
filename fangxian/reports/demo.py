"""Demo data: the last two weeks of reports for most units, a few late and a few missing,
so that the completeness pages tell a story. Figures pre-filled from the ledger are the
ledger's (a college reports the students it has), except a few planted, explained
differences for the reconciliation page to find."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from . import prefill, schema
from .models import ReportForm, Submission, SubmissionRevision

DAYS = 14


# (unit index, days ago): the college reports one student more than the ledger, and says why.
PLANTED = {(1, 0): "1名学生当日下午返校，台账尚未更新", (3, 1): "1名学生已离校，台账次日更新"}


def sample_answers(questions: dict, rng: random.Random, *, zero: bool, prefilled: dict | None = None) -> tuple[dict, list[str]]:
    """Plausible answers: figures for sections that must be filled (the ledger's figure where
    the field is pre-filled from it), 无异常 for the others (or, now and then, something
    worth reading)."""
    prefilled = prefilled or {}
    answers, zeroed = {}, []
    for section in schema.sections(questions):
        if zero and schema.zero_allowed(section):
            zeroed.append(section["key"])
            continue
        values = {}
        for f in section["fields"]:
            known = (prefilled.get(section["key"]) or {}).get(f["key"])
            if known is not None:
                values[f["key"]] = known
            elif f["type"] == "integer":
                values[f["key"]] = rng.randint(0, 3) if not f.get("required") or section.get("zero", True) else rng.randint(20, 400)
            elif f["type"] == "decimal":
                values[f["key"]] = round(rng.uniform(0, 10), 1)
            elif f["type"] == "choice":
                values[f["key"]] = f["choices"][0]
            elif f["type"] == "yesno":
                yes = rng.random() < 0.3
                values[f["key"]] = {"answer": yes, "details": "已安排专人跟进处理" if yes else ""}
            else:
                values[f["key"]] = "" if rng.random() < 0.7 else "已按要求落实各项防控措施"
        for rule in section.get("sums", []):
            if rule["total"] not in (prefilled.get(section["key"]) or {}):
                values[rule["total"]] = sum(values[p] or 0 for p in rule["parts"])
        answers[section["key"]] = values
    return answers, zeroed


def _plant(answers: dict, expected: dict, why: str | None) -> dict:
    """One student more than the ledger in the pre-filled total and its first part, with the
    reason a college would give; the sum rule still holds."""
    if not why:
        return {}
    for section_key, fields in expected.items():
        keys = [k for k in fields if fields[k] is not None]
        if len(keys) >= 2 and section_key in answers:
            total, part = keys[0], keys[1]
            answers[section_key][total] += 1
            answers[section_key][part] += 1
            return {f"{section_key}.{total}": why, f"{section_key}.{part}": why}
    return {}


def load(*, size: int = 0, seed: int = 20220714) -> None:
    rng = random.Random(seed + 5)
    today = timezone.localdate()
    rows, revisions = [], []
    for form in ReportForm.objects.active():
        units = list(form.expected_units())
        for offset in range(DAYS, -1, -1):
            day = today - timedelta(days=offset)
            version = form.version_for(day)
            if version is None or not form.is_due_on(day):
                continue
            for index, unit in enumerate(units):
                roll = rng.random()
                # Today only the early birds have reported; earlier days are mostly complete.
                if (offset == 0 and roll < 0.5) or roll < 0.06:
                    continue
                late = roll > 0.9
                at = timezone.make_aware(datetime.combine(day, form.deadline)) + timedelta(
                    minutes=rng.randint(5, 180) if late else -rng.randint(10, 120)
                )
                if at > timezone.now():
                    continue
                expected = prefill.prefill_values(version.schema, unit, day)
                answers, zeroed = sample_answers(version.schema, rng, zero=rng.random() < 0.6, prefilled=expected)
                reasons = _plant(answers, expected, PLANTED.get((index, offset)))
                rows.append(
                    Submission(
                        form=form,
                        unit=unit,
                        day=day,
                        version=version,
                        status=Submission.Status.APPROVED if offset > 2 else Submission.Status.SUBMITTED,
                        data=answers,
                        zero_sections=zeroed,
                        reasons=reasons,
                        is_zero=schema.is_zero_report(version.schema, zeroed),
                        first_submitted_at=at,
                        submitted_at=at,
                        is_late=late,
                        revision_count=1,
                    )
                )
    Submission.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    stored = Submission.objects.filter(revision_count=1, revisions__isnull=True, day__gte=today - timedelta(days=DAYS))
    for sub in stored.iterator():
        revisions.append(
            SubmissionRevision(submission=sub, number=1, data=sub.data, zero_sections=sub.zero_sections, submitted_at=sub.submitted_at)
        )
    SubmissionRevision.objects.bulk_create(revisions, batch_size=1000)
