"""Writes for reporting. Every function is one transaction; messages to people are sent
through notify (its outside channels run on commit)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.notify.services import notify_groups, notify_users
from fangxian.org.access import can_write
from fangxian.org.models import Unit

from . import prefill, schema
from .access import OFFICE, REPORTERS
from .models import DailySummary, FormVersion, IdempotencyKey, ReportAlert, ReportForm, Submission, SubmissionRevision, SummaryLock
from .selectors import alert_recipients, reporters_of


class IdempotencyConflict(Exception):
    """The same Idempotency-Key came with a different request body."""


def _can_report(user, unit: Unit) -> bool:
    return can_write(user, REPORTERS, unit)


def check_can_report(*, user, form: ReportForm, unit: Unit, day: date, now: datetime | None = None) -> FormVersion:
    """Refuse, with a message that says why, anything that may not be reported; otherwise the
    form version for that day."""
    now = now or timezone.now()
    if not _can_report(user, unit):
        # The same words whether the unit exists or not: no hint about other units.
        raise ValidationError({"unit": _("This unit does not exist or is not one you report for.")})
    if day > timezone.localdate(now):
        raise ValidationError({"day": _("%(day)s is in the future; reports are made on the day or afterwards.") % {"day": day}})
    if not form.is_due_on(day):
        raise ValidationError({"day": _("%(form)s is not collected on %(day)s.") % {"form": form.name, "day": day}})
    if not form.expected_units().filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("%(unit)s does not report on %(form)s.") % {"unit": unit.name, "form": form.name}})
    version = form.version_for(day)
    if version is None:
        raise ValidationError({"day": _("%(form)s has no version valid on %(day)s.") % {"form": form.name, "day": day}})
    return version


def _locked_submission(*, form: ReportForm, unit: Unit, day: date, version: FormVersion) -> Submission:
    """The one submission of (form, unit, day), created if need be, locked for this
    transaction. Two requests racing to create it meet at the unique constraint: the loser's
    insert fails inside a savepoint and it then locks the winner's row."""
    lookup = {"form": form, "unit": unit, "day": day}
    existing = Submission.objects.select_for_update().filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Submission.objects.create(version=version, **lookup)
    except IntegrityError:
        return Submission.objects.select_for_update().get(**lookup)


@transaction.atomic
def submission_save(
    *,
    user,
    form: ReportForm,
    unit: Unit,
    day: date,
    data: dict,
    zero_sections: list[str] | None = None,
    reasons: dict[str, str] | None = None,
    submit: bool = True,
    now: datetime | None = None,
) -> Submission:
    """Save a draft or submit a report. Submitting again with the same answers changes
    nothing (a double click, a second tab); with other answers it is a revision."""
    now = now or timezone.now()
    version = check_can_report(user=user, form=form, unit=unit, day=day, now=now)
    submission = _locked_submission(form=form, unit=unit, day=day, version=version)
    if submission.is_locked:
        raise ValidationError(_("This report has been approved and is locked; ask the prevention office for an exception to change it."))
    if not submit and submission.is_reported:
        raise ValidationError(_("This report has already been submitted; submit your changes as a revision."))
    # A report keeps the questions it was first filled in with.
    questions = submission.version.schema
    expected = prefill.prefill_values(questions, unit, day)
    answers, zero, kept_reasons = schema.clean_answers(
        questions, data, zero_sections=list(zero_sections or []), prefill=expected, reasons=reasons, require=submit
    )
    unchanged = (answers, zero, kept_reasons) == (submission.data, submission.zero_sections, submission.reasons)
    if submit and submission.status == Submission.Status.SUBMITTED and unchanged:
        submission.changed = False
        return submission
    submission.data, submission.zero_sections, submission.reasons = answers, zero, kept_reasons
    submission.is_zero = schema.is_zero_report(questions, zero)
    if submit:
        if submission.first_submitted_at is None:
            submission.first_submitted_at = now
            submission.is_late = now > form.deadline_on(day)
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_at = now
        submission.submitted_by = user
        submission.edit_exception = False
        submission.revision_count += 1
        SubmissionRevision.objects.create(
            submission=submission,
            number=submission.revision_count,
            data=answers,
            zero_sections=zero,
            reasons=kept_reasons,
            submitted_by=user,
            submitted_at=now,
        )
    submission.full_clean()
    submission.save()
    submission.changed = True  # for the API's 201/200: was anything stored?
    if submit:
        _after_submit(submission)
    return submission


def _after_submit(submission: Submission) -> None:
    """Raise the alerts the answers meet, and remake the summary if one was made.

    A report that arrives (or is revised) after the day's summary was made: remake the
        summary once this transaction commits, unless the office has locked the day."""
    raise_alerts(submission)
    day = submission.day
    if DailySummary.objects.filter(day=day).exists() and not SummaryLock.objects.filter(day=day).exists():
        from .tasks import generate_summary

        transaction.on_commit(lambda: generate_summary(day.isoformat()))


def _answer_text(field: dict, value) -> str:
    if field.get("type") == "yesno" and isinstance(value, dict):
        return (_("yes") if value.get("answer") else _("no")) + (f"：{value['details']}" if value.get("details") else "")
    return f"{value:g}" if isinstance(value, float) else str(value)


def raise_alerts(submission: Submission) -> list[ReportAlert]:
    """Compare the submitted answers with the form's alert rules. A field that meets a rule
    gets an alert (or, when its value changed since the last alert, the alert is raised
    again); the office and the leaders are told in-app, by e-mail and in the group chats."""
    raised = []
    hits = schema.triggered_alerts(submission.version.schema, submission.data, submission.zero_sections)
    if not hits:
        return raised
    existing = {a.field_path: a for a in ReportAlert.objects.select_for_update().filter(submission=submission)}
    now = timezone.now()
    for section, fld, value, rule in hits:
        path = f"{section['key']}.{fld['key']}"
        alert = existing.get(path)
        if alert is not None and alert.value == value:
            continue  # the same answer again: already raised
        if alert is None:
            alert = ReportAlert(submission=submission, field_path=path)
        alert.label = f"{section['title']} · {fld['label']}"[:200]
        alert.rule = schema.rule_text(fld, rule)[:200]
        alert.value = value
        alert.value_text = _answer_text(fld, value)[:300]
        alert.raised_at, alert.acknowledged_at, alert.acknowledged_by = now, None, None
        alert.save()
        raised.append(alert)
    if raised:
        _tell_about_alerts(submission, raised)
    return raised


def _tell_about_alerts(submission: Submission, alerts: list[ReportAlert]) -> None:
    url = reverse("reports:detail", args=[submission.pk])
    what = "；".join(f"{a.label}：{a.value_text}（{a.rule}）" for a in alerts)
    title = _("Alert: %(unit)s %(form)s of %(day)s") % {"unit": submission.unit.name, "form": submission.form.name, "day": submission.day}
    notify_users(users=alert_recipients(submission.unit, submission.day), kind="reports.alert", title=title, body=what, url=url)
    notify_groups(kind="reports.alert", text=f"{title}\n{what}")


@transaction.atomic
def alert_acknowledge(*, user, alert: ReportAlert) -> ReportAlert:
    """Someone has taken the alert in hand; the dashboard stops showing it."""
    alert = ReportAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert


@transaction.atomic
def summary_lock(*, user, day: date) -> SummaryLock:
    """Lock a day (锁定): its summary stays as it is, whatever arrives later."""
    _require_office(user)
    if not DailySummary.objects.filter(day=day).exists():
        raise ValidationError({"day": _("There is no summary of %(day)s to lock; generate it first.") % {"day": day}})
    lock, _created = SummaryLock.objects.get_or_create(day=day, defaults={"locked_by": user})
    return lock


@transaction.atomic
def summary_unlock(*, user, day: date) -> None:
    """Open a locked day again; late reports remake its summary from then on."""
    _require_office(user)
    SummaryLock.objects.filter(day=day).delete()


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@transaction.atomic
def submission_save_idempotent(*, user, key: str, body: dict, **kwargs) -> tuple[Submission, bool]:
    """`submission_save` under an Idempotency-Key. Returns (submission, replayed). The same
    key with another body raises IdempotencyConflict and stores nothing."""
    digest = request_hash(body)
    previous = IdempotencyKey.objects.filter(user=user, key=key).select_related("submission").first()
    if previous is not None:
        if previous.request_hash != digest:
            raise IdempotencyConflict(_("This Idempotency-Key was already used with a different request; use a new key for new answers."))
        return previous.submission, True
    submission = submission_save(user=user, **kwargs)
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user=user, key=key, request_hash=digest, submission=submission)
    except IntegrityError:
        # Another request with this key committed first; answer as it did, or refuse (and
        # roll back what this request did) when its body was different.
        previous = IdempotencyKey.objects.get(user=user, key=key)
        if previous.request_hash != digest:
            raise IdempotencyConflict(_("This Idempotency-Key was already used with a different request; use a new key for new answers."))
        return previous.submission, True
    return submission, False


def _require_office(user) -> None:
    if not can_write(user, OFFICE):
        raise ValidationError(_("Only the prevention office may review reports."))


def _tell_reporters(submission: Submission, title: str, body: str) -> None:
    url = reverse("reports:fill", args=[submission.form.code, submission.unit_id, submission.day.isoformat()])
    notify_users(
        users=reporters_of([submission.unit_id], submission.day).get(submission.unit_id, []),
        kind="reports.review",
        title=title,
        body=body,
        url=url,
    )


@transaction.atomic
def submission_return(*, user, submission: Submission, comment: str) -> Submission:
    """Send a report back to the unit with a comment (退回)."""
    _require_office(user)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the unit must correct.")})
    if submission.status not in (Submission.Status.SUBMITTED, Submission.Status.APPROVED):
        raise ValidationError(_("Only a submitted report can be returned."))
    submission.status = Submission.Status.RETURNED
    submission.review_comment = comment[:2000]
    submission.reviewed_by, submission.reviewed_at = user, timezone.now()
    submission.edit_exception = False
    submission.save()
    _tell_reporters(
        submission,
        _("%(form)s of %(day)s returned for correction") % {"form": submission.form.name, "day": submission.day},
        comment,
    )
    return submission


@transaction.atomic
def submission_approve(*, user, submission: Submission) -> Submission:
    """Approve a report; it is then locked (审核通过，锁定)."""
    _require_office(user)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."))
    submission.status = Submission.Status.APPROVED
    submission.reviewed_by, submission.reviewed_at = user, timezone.now()
    submission.edit_exception = False
    submission.save()
    return submission


@transaction.atomic
def submission_grant_exception(*, user, submission: Submission, reason: str) -> Submission:
    """Let the unit change an approved report once; its next submit needs approval again."""
    _require_office(user)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the exception.")})
    if submission.status != Submission.Status.APPROVED:
        raise ValidationError(_("Only an approved report needs an exception to be changed."))
    submission.edit_exception = True
    submission.review_comment = reason[:2000]
    submission.save()
    _tell_reporters(submission, _("%(form)s of %(day)s may be changed") % {"form": submission.form.name, "day": submission.day}, reason)
    return submission


@transaction.atomic
def form_create(
    *,
    user,
    code: str,
    name: str,
    frequency: str,
    deadline,
    unit_kinds: list[str],
    unit_codes: list[str],
    definition: dict,
    valid_from: date,
    once_on: date | None = None,
    description: str = "",
) -> ReportForm:
    _require_office(user)
    schema.check_schema(definition)
    form = ReportForm(
        code=code,
        name=name,
        description=description,
        frequency=frequency,
        deadline=deadline,
        unit_kinds=unit_kinds,
        unit_codes=unit_codes,
        once_on=once_on,
        starts_on=valid_from,
    )
    form.full_clean()
    form.save()
    FormVersion.objects.create(form=form, number=1, valid_from=valid_from, schema=definition, created_by=user, note=_("First version"))
    return form


@transaction.atomic
def form_version_create(*, user, form: ReportForm, definition: dict, valid_from: date, note: str = "") -> FormVersion:
    """A new version of the questions from `valid_from` on. Reports already made keep theirs."""
    _require_office(user)
    schema.check_schema(definition)
    form = ReportForm.objects.select_for_update().get(pk=form.pk)
    latest = form.versions.order_by("-number").first()
    if latest is not None and valid_from <= latest.valid_from:
        raise ValidationError({"valid_from": _("A new version must start after the current one (%(day)s).") % {"day": latest.valid_from}})
    version = FormVersion(
        form=form, number=(latest.number + 1) if latest else 1, valid_from=valid_from, schema=definition, note=note[:200], created_by=user
    )
    version.full_clean()
    version.save()
    return version


def record_summary_download(*, request, summary, what: str) -> None:
    record_event(SecurityEvent.Kind.EXPORT, request=request, what=f"reports.daily_summary.{what}", day=summary.day.isoformat())
