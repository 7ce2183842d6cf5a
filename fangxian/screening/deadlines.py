"""The missing (未采样) as tasks of their one-to-one staff, on the deadline engine: two hours
before a round's sampling ends, everyone of it not yet sampled gets a deadline due at the
end; the one-to-one staff (else the counselor) are reminded at once, the counselor told at
the end. Sampling the person closes the deadline (services.sample_record); the engine asks
`is_done` before every step anyway."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.deadlines import recipients
from fangxian.deadlines.registry import DeadlineKind, Step
from fangxian.deadlines.services import ensure_deadlines

from .models import Member, Round
from .services import MISSING_KIND

AHEAD = timedelta(hours=2)


def plan(now: datetime) -> None:
    """Once per round (the flag is claimed by a conditional update, so two consumers plan
    once), when its end is less than two hours away."""
    for round in Round.objects.filter(tasks_planned=False, ends_at__lte=now + AHEAD, ends_at__gt=now - timedelta(days=1)).order_by("id"):
        if not Round.objects.filter(pk=round.pk, tasks_planned=False).update(tasks_planned=True):
            continue
        missing = Member.objects.filter(round=round, sampled_at__isnull=True).values_list("pk", flat=True)
        ensure_deadlines(MISSING_KIND, Member, [(pk, "", round.ends_at, {}) for pk in missing])


def _subject(deadline):
    member = deadline.target
    return member.student if member.student_id else member.staff.unit


def _message(deadline, step) -> tuple[str, str]:
    member = deadline.target
    round = member.round
    end = timezone.localtime(round.ends_at).strftime("%H:%M")
    slot = str(member.slot.place) if member.slot_id else ""
    title = _("Not sampled yet: %(name)s (%(round)s)") % {"name": member.person.name, "round": round.name}
    body = _("%(name)s has not been sampled; sampling ends at %(end)s. Site: %(slot)s.") % {
        "name": member.person.name,
        "end": end,
        "slot": slot or "—",
    }
    return title, body


KIND = DeadlineKind(
    key=MISSING_KIND,
    label=gettext_lazy("Not sampled"),
    model=Member,
    steps=[
        Step("one_to_one", gettext_lazy("To the one-to-one staff"), -AHEAD, to=recipients.along("one_to_one", "counselor")),
        Step("counselor", gettext_lazy("To the counselor"), timedelta(0), to=recipients.along("counselor", "college_admin")),
    ],
    is_done=lambda deadline: deadline.target is None or deadline.target.sampled_at is not None,
    visible=lambda user: Member.objects.visible_to(user),
    url=lambda deadline: reverse("screening:coverage", args=[deadline.target.round_id]) if deadline.target else "",
    message=_message,
    subject=_subject,
    plan=plan,
    describe=lambda deadline: f"{deadline.target.person.name} · {deadline.target.round.name}" if deadline.target else "",
)
