"""Reachability pings (在岗抽查, 通讯畅通): everyone on duty at a moment is asked to answer with
one tap; unanswered, the deadline engine sends a second ping, then tells the leader on duty,
then the office (duty.ping)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.deadlines.models import Deadline
from fangxian.notify.services import notify_users
from fangxian.org.access import require_write
from fangxian.org.models import Unit

from .. import access
from ..deadlines import PING, PING_ESCALATE
from ..models import Ping, PingRequest, Post

DEFAULT_MINUTES = 10


@transaction.atomic
def ping_send(*, by, unit: Unit | None = None, minutes: int = DEFAULT_MINUTES, now=None, scheduled: bool = False) -> Ping:
    """Ask everyone on duty now (of `unit` and the units below it, or of every unit)."""
    if by is not None:
        require_write(by, access.OFFICE if unit is None else access.WRITERS, unit)
    if not 1 <= minutes <= 120:
        raise ValidationError({"minutes": _("Between 1 and 120 minutes.")})
    now = now or timezone.now()
    posts = Post.objects.filter(shift__starts_at__lte=now, shift__ends_at__gt=now, staff__is_active=True)
    if unit is not None:
        posts = posts.filter(shift__roster__unit__path__startswith=unit.path)
    posts = list(posts.select_related("staff__user").order_by("pk"))
    if not posts:
        raise ValidationError(_("Nobody is on duty right now."))
    ping = Ping.objects.create(
        sent_at=now, sent_by=by if getattr(by, "pk", None) else None, unit=unit, answer_minutes=minutes, scheduled=scheduled
    )
    due = now + timedelta(minutes=minutes)
    closes = due + PING_ESCALATE
    requests = PingRequest.objects.bulk_create(
        [PingRequest(ping=ping, post=post, staff=post.staff, closes_at=closes) for post in posts], batch_size=1000
    )
    _deadlines(requests, due, now)
    _notify(requests, minutes)
    return ping


def _deadlines(requests: list[PingRequest], due, now) -> None:
    """One duty.ping deadline per person asked, in bulk (set_deadline would be a few queries each)."""
    from django.contrib.contenttypes.models import ContentType

    from fangxian.deadlines.registry import get

    spec = get(PING)
    content_type = ContentType.objects.get_for_model(PingRequest)
    Deadline.objects.bulk_create(
        [
            Deadline(
                content_type=content_type,
                object_id=r.pk,
                kind=PING,
                key="",
                due_at=due,
                created_at=now,
                next_step_at=spec.step_time(due, 0),
            )
            for r in requests
        ],
        batch_size=1000,
    )


def _notify(requests: list[PingRequest], minutes: int) -> None:
    """Each person gets their own signed link (answer without signing in); one notification each."""
    from fangxian.notify.models import Notification

    title = _("Reachability ping: answer within %(n)s minutes") % {"n": minutes}
    body = _("Tap to answer: you are on post and reachable.")
    users = [(r, r.staff.user) for r in requests if r.staff.user_id and r.staff.user.is_active]
    if len(users) <= 50:
        for request, user in users:
            notify_users(users=[user], kind="duty.ping", title=title, body=body, url=reverse("duty:ping_link", args=[request.token]))
        return
    # Many people at once: the in-app notifications in one INSERT; messengers and e-mail per
    # person still go through notify_users' channels after the commit.
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user=user, kind="duty.ping", title=title[:200], body=body, url=reverse("duty:ping_link", args=[r.token]), created_at=now
            )
            for r, user in users
        ],
        batch_size=1000,
    )


@transaction.atomic
def ping_answer(*, request: PingRequest, now=None) -> PingRequest:
    """The person answers (from the page or the signed link). Refused once the ping closed."""
    now = now or timezone.now()
    request = PingRequest.objects.select_for_update(of=("self",)).select_related("ping").get(pk=request.pk)
    if request.answered_at is not None:
        return request
    if now >= request.closes_at:
        closed = timezone.localtime(request.closes_at)
        raise ValidationError(
            _("This ping closed at %(time)s; an answer now is too late and is not recorded.") % {"time": f"{closed:%H:%M}"}
        )
    request.answered_at = now
    request.save(update_fields=["answered_at"])
    from fangxian.deadlines.services import close

    close(request, PING, at=now)
    return request


def ping_answer_own(*, request: PingRequest, user, now=None) -> PingRequest:
    if request.staff.user_id != getattr(user, "pk", None):
        raise ValidationError(_("This ping is addressed to someone else."))
    return ping_answer(request=request, now=now)
