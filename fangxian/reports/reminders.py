"""Reminders (催报): before a form's deadline to each unit that has not reported, after it
to the unit's leader and the prevention office. Called every few minutes by a periodic job
with the current time; tests pass another `now` to move the clock.

With several job consumers each reminder is sent once: a consumer first claims the
(form, unit, day, kind) row; the unique constraint lets exactly one insert succeed, and the
notifications are written in the same transaction as the claim."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.notify.services import notify_groups, notify_users

from .models import REPORTED_STATUSES, Reminder, ReportForm, Submission
from .selectors import leaders_of, office_users, reporters_of


def _claim(form: ReportForm, unit_id: int, day, kind: str) -> Reminder | None:
    try:
        with transaction.atomic():
            return Reminder.objects.create(form=form, unit_id=unit_id, day=day, kind=kind)
    except IntegrityError:
        return None  # another consumer has it


def send_due_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Send the reminders due at `now`; returns how many units were reminded and escalated."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    lead = timedelta(minutes=settings.REPORTS_REMINDER_LEAD_MINUTES)
    sent = {Reminder.Kind.BEFORE: 0, Reminder.Kind.ESCALATION: 0}
    for form in ReportForm.objects.due_on(day):
        deadline = form.deadline_on(day)
        if now < deadline - lead:
            continue
        kind = Reminder.Kind.BEFORE if now < deadline else Reminder.Kind.ESCALATION
        expected = dict(form.expected_units().values_list("pk", "name"))
        reported = set(Submission.objects.filter(form=form, day=day, status__in=REPORTED_STATUSES).values_list("unit_id", flat=True))
        claimed = set(Reminder.objects.filter(form=form, day=day, kind=kind).values_list("unit_id", flat=True))
        pending = [unit_id for unit_id in expected if unit_id not in reported and unit_id not in claimed]
        if not pending:
            continue
        people = reporters_of(pending, day) if kind == Reminder.Kind.BEFORE else leaders_of(pending, day)
        office = list(office_users()) if kind == Reminder.Kind.ESCALATION else []
        deadline_text = timezone.localtime(deadline).strftime("%H:%M")
        reminded = []
        for unit_id in pending:
            with transaction.atomic():
                reminder = _claim(form, unit_id, day, kind)
                if reminder is None:
                    continue
                url = reverse("reports:fill", args=[form.code, unit_id, day.isoformat()])
                words = {"unit": expected[unit_id], "form": form.name, "day": day, "deadline": deadline_text}
                if kind == Reminder.Kind.BEFORE:
                    users = people.get(unit_id, [])
                    title = _("Reminder: %(form)s of %(day)s is due at %(deadline)s") % words
                    body = _("%(unit)s has not yet submitted %(form)s of %(day)s. The deadline is %(deadline)s.") % words
                else:
                    users = [*people.get(unit_id, []), *office]
                    title = _("Overdue: %(unit)s has not submitted %(form)s of %(day)s") % words
                    body = _("The deadline of %(form)s of %(day)s was %(deadline)s; %(unit)s has not reported.") % words
                rows = notify_users(users=users, kind=f"reports.{kind}", title=title, body=body, url=url)
                reminder.recipients = len(rows)
                reminder.save(update_fields=["recipients"])
                reminded.append(expected[unit_id])
        if reminded:
            words = {"form": form.name, "day": day, "deadline": deadline_text, "units": "、".join(reminded)}
            if kind == Reminder.Kind.BEFORE:
                text = _("[Fangxian] %(form)s of %(day)s is due at %(deadline)s. Not yet submitted: %(units)s") % words
            else:
                text = _("[Fangxian] Overdue %(form)s of %(day)s (deadline %(deadline)s). Not submitted: %(units)s") % words
            with transaction.atomic():
                notify_groups(kind=f"reports.{kind}", text=text)
        sent[kind] += len(reminded)
    return {str(k): v for k, v in sent.items()}
