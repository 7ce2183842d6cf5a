"""Reminders (催报) on the deadline engine (fangxian.deadlines): each unit expected to report
on a form has a deadline per day, the form's deadline time. Before it the unit's reporters
are reminded, after it the unit's responsible leaders and the prevention office are told;
each step once per unit and day, however many job consumers run, and nothing more once
the unit has reported. A group message per form and step lists the units of each run.

The deadlines are planned by the engine's tick when a form's reminder window opens
(`plan`); `send_due_reminders(now=...)` runs the tick for report forms only (tests pass
another `now` to move the clock)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.deadlines import services as deadline_services
from fangxian.deadlines.models import Deadline
from fangxian.deadlines.registry import DeadlineKind, Step, register
from fangxian.notify.services import notify_groups
from fangxian.org.models import Unit
from fangxian.org.scope import scope_of

from .models import REPORTED_STATUSES, ReportForm, Submission
from .selectors import leaders_of, office_users, reporters_of

KIND = "reports.form"
BEFORE, ESCALATION = "before", "escalation"
# Report deadlines left unreported this long leave the overdue list (the reports' own
# pages keep showing the day as 未报).
KEEP_OVERDUE = timedelta(days=7)


def lead() -> timedelta:
    return timedelta(minutes=settings.REPORTS_REMINDER_LEAD_MINUTES)


def key_of(form: ReportForm, day: date) -> str:
    return f"{form.code}:{day.isoformat()}"


def _form_and_day(deadline: Deadline) -> tuple[ReportForm | None, date]:
    cache = deadline.__dict__.setdefault("_report", {})
    if "form" not in cache:
        cache["form"] = ReportForm.objects.filter(code=deadline.data["form"]).first()
        cache["day"] = date.fromisoformat(deadline.data["day"])
    return cache["form"], cache["day"]


def plan(now: datetime) -> None:
    """Give each expected unit that has not reported a deadline once the form's reminder
    window has opened (an hour before the deadline by default)."""
    day = timezone.localdate(now)
    for form in ReportForm.objects.due_on(day):
        due = form.deadline_on(day)
        if now < due - lead():
            continue
        reported = set(Submission.objects.filter(form=form, day=day, status__in=REPORTED_STATUSES).values_list("unit_id", flat=True))
        rows = [
            (unit_id, key_of(form, day), due, {"form": form.code, "day": day.isoformat()})
            for unit_id in form.expected_units().values_list("pk", flat=True)
            if unit_id not in reported
        ]
        deadline_services.ensure_deadlines(KIND, Unit, rows)
    stale = Deadline.objects.open().filter(kind=KIND, due_at__lt=now - KEEP_OVERDUE)
    if stale.exists():
        stale.update(cancelled_at=now, next_step_at=None)


def is_done(deadline: Deadline) -> bool:
    form, day = _form_and_day(deadline)
    if form is None:
        return True
    return Submission.objects.filter(form=form, unit_id=deadline.object_id, day=day, status__in=REPORTED_STATUSES).exists()


def reporters(deadline: Deadline) -> list:
    _form, day = _form_and_day(deadline)
    return reporters_of([deadline.object_id], day).get(deadline.object_id, [])


def leaders_and_office(deadline: Deadline) -> list:
    _form, day = _form_and_day(deadline)
    return [*leaders_of([deadline.object_id], day).get(deadline.object_id, []), *office_users()]


def _words(deadline: Deadline) -> dict:
    form, day = _form_and_day(deadline)
    return {
        "unit": deadline.target.name,
        "form": form.name,
        "day": day,
        "deadline": timezone.localtime(deadline.due_at).strftime("%H:%M"),
    }


def message(deadline: Deadline, step: Step) -> tuple[str, str]:
    words = _words(deadline)
    if step.key == BEFORE:
        return (
            _("Reminder: %(form)s of %(day)s is due at %(deadline)s") % words,
            _("%(unit)s has not yet submitted %(form)s of %(day)s. The deadline is %(deadline)s.") % words,
        )
    return (
        _("Overdue: %(unit)s has not submitted %(form)s of %(day)s") % words,
        _("The deadline of %(form)s of %(day)s was %(deadline)s; %(unit)s has not reported.") % words,
    )


def url(deadline: Deadline) -> str:
    return reverse("reports:fill", args=[deadline.data["form"], deadline.object_id, deadline.data["day"]])


def describe(deadline: Deadline) -> str:
    words = _words(deadline)
    return f"{words['unit']} · {words['form']} · {words['day']}"


def group_message(step: Step, deadlines: list[Deadline], now: datetime) -> None:
    """One message to the group chats per form: the units reminded (or escalated) in this run."""
    by_form: dict[str, list[Deadline]] = {}
    for deadline in deadlines:
        by_form.setdefault(deadline.key, []).append(deadline)
    for rows in by_form.values():
        words = {**_words(rows[0]), "units": "、".join(row.target.name for row in rows)}
        if step.key == BEFORE:
            text = _("[Fangxian] %(form)s of %(day)s is due at %(deadline)s. Not yet submitted: %(units)s") % words
        else:
            text = _("[Fangxian] Overdue %(form)s of %(day)s (deadline %(deadline)s). Not submitted: %(units)s") % words
        notify_groups(kind=f"reports.{step.key}", text=text)


def visible_units(user):
    return scope_of(user).units()


def register_kind() -> DeadlineKind:
    """Called from ReportsConfig.ready(); the lead time is read from the settings then."""
    return register(
        DeadlineKind(
            key=KIND,
            label=gettext_lazy("Daily report"),
            model=Unit,
            steps=[
                Step(BEFORE, gettext_lazy("Reminder before the deadline"), -lead(), to=reporters, notify_kind="reports.before"),
                Step(
                    ESCALATION,
                    gettext_lazy("Escalation after the deadline"),
                    timedelta(0),
                    to=leaders_and_office,
                    notify_kind="reports.escalation",
                ),
            ],
            is_done=is_done,
            visible=visible_units,
            url=url,
            message=message,
            plan=plan,
            on_sent=group_message,
            describe=describe,
        )
    )


def send_due_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Send the report reminders due at `now`; returns how many units were reminded and escalated."""
    counts = deadline_services.tick(now=now or timezone.now(), kinds=[KIND])[KIND]
    return {BEFORE: counts[BEFORE], ESCALATION: counts[ESCALATION]}
