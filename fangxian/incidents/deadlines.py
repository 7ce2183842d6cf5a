"""The clocks of an incident, each a kind of the one deadline engine (fangxian.deadlines):

- `incidents.first_report` (首报): the office must have the first report in hand (acknowledge
  it) within the level's limit after the incident happened (and at least the acknowledgement
  time after it was reported). Not acknowledged in time: the leader on duty above the place
  or unit, then the office again, then the school's leader on duty — each step once, however
  many consumers run the tick.
- `incidents.written`: the written report within the level's limit (e.g. 2 hours).
- `incidents.followup` (续报): a follow-up report every N hours after the last report, until
  the closing report (终报) closes the incident.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step
from fangxian.org.chain import holders_on, users_of
from fangxian.org.models import Unit

from .access import LEADER_ON_DUTY
from .models import Incident

FIRST_REPORT = "incidents.first_report"
WRITTEN = "incidents.written"
FOLLOWUP = "incidents.followup"
KINDS = (FIRST_REPORT, WRITTEN, FOLLOWUP)


def subject(deadline):
    """Where the roster is walked from: the incident's place, else its unit."""
    incident = deadline.target
    return incident.place or incident.unit


def reporter(deadline) -> list:
    incident = deadline.target
    user = incident.reported_by
    return [user] if user is not None and user.is_active else []


def school_leader_on_duty(deadline) -> list:
    """The leader on duty of the whole school: a duty_leader assignment on the institution."""
    node = subject(deadline)
    institution = Unit.objects.get(pk=node.institution_id) if isinstance(node, Unit) else node.institution
    return users_of(holders_on(institution, [LEADER_ON_DUTY], at=recipients.moment(deadline)))


def _words(deadline) -> dict:
    incident = deadline.target
    return {
        "title": incident.title,
        "level": incident.get_level_display(),
        "due": timezone.localtime(deadline.due_at).strftime("%m-%d %H:%M"),
    }


def message(deadline, step) -> tuple[str, str]:
    words = _words(deadline)
    if deadline.kind == FIRST_REPORT:
        return (
            _("Incident not acknowledged: %(title)s (%(level)s)") % words,
            _("The office has not acknowledged the first report of %(title)s (%(level)s); it was due by %(due)s.") % words,
        )
    if deadline.kind == WRITTEN:
        if step.key == "remind":
            return (
                _("Written report due: %(title)s") % words,
                _("The written report of %(title)s (%(level)s) is due by %(due)s.") % words,
            )
        return (
            _("Written report overdue: %(title)s (%(level)s)") % words,
            _("The written report of %(title)s (%(level)s) was due by %(due)s and has not been filed.") % words,
        )
    if step.key == "remind":
        return (
            _("Follow-up report due: %(title)s") % words,
            _("The next follow-up report of %(title)s (%(level)s) is due by %(due)s.") % words,
        )
    return (
        _("Follow-up report overdue: %(title)s (%(level)s)") % words,
        _("The follow-up report of %(title)s (%(level)s) was due by %(due)s and has not been filed.") % words,
    )


def url(deadline) -> str:
    return reverse("incidents:detail", args=[deadline.object_id])


def visible(user):
    return Incident.objects.visible_to(user)


def _kind(key, label, steps, is_done) -> DeadlineKind:
    return DeadlineKind(
        key=key,
        label=label,
        model=Incident,
        steps=steps,
        is_done=is_done,
        visible=visible,
        url=url,
        message=message,
        subject=subject,
        describe=lambda deadline: deadline.target.title,
    )


def _closed(deadline) -> bool:
    return deadline.target.closed_at is not None


LEADER_ON_DUTY_STEP = gettext_lazy("To the leader on duty")

KIND_FIRST_REPORT = _kind(
    FIRST_REPORT,
    gettext_lazy("First report (acknowledged by the office)"),
    [
        Step("leader", LEADER_ON_DUTY_STEP, timedelta(0), to=recipients.along(LEADER_ON_DUTY)),
        Step("office", gettext_lazy("To the office"), timedelta(minutes=10), to=recipients.office()),
        Step("school", gettext_lazy("To the school leader on duty"), timedelta(minutes=20), to=school_leader_on_duty),
    ],
    lambda deadline: deadline.target.acknowledged_at is not None or _closed(deadline),
)
KIND_WRITTEN = _kind(
    WRITTEN,
    gettext_lazy("Written report"),
    [
        Step("remind", gettext_lazy("Reminder"), -timedelta(minutes=30), to=reporter),
        Step("leader", LEADER_ON_DUTY_STEP, timedelta(0), to=recipients.along(LEADER_ON_DUTY)),
        Step("office", gettext_lazy("To the office"), timedelta(minutes=30), to=recipients.office()),
    ],
    lambda deadline: deadline.target.written_at is not None or _closed(deadline),
)
KIND_FOLLOWUP = _kind(
    FOLLOWUP,
    gettext_lazy("Follow-up report"),
    [
        Step("remind", gettext_lazy("Reminder"), -timedelta(hours=1), to=reporter),
        Step("leader", LEADER_ON_DUTY_STEP, timedelta(0), to=recipients.along(LEADER_ON_DUTY)),
        Step("office", gettext_lazy("To the office"), timedelta(hours=2), to=recipients.office()),
    ],
    _closed,
)


def register_kinds() -> None:
    from fangxian.deadlines.registry import register

    for kind in (KIND_FIRST_REPORT, KIND_WRITTEN, KIND_FOLLOWUP):
        register(kind)
