"""On post (到岗到位): check-in with one tap, check-out with a handover note, the duty log."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from fangxian.deadlines.services import close

from ..models import LogEntry, Post

# A person may check in this long before the shift starts.
EARLY = timedelta(minutes=30)


def _own(post: Post, user) -> None:
    if post.staff.user_id != getattr(user, "pk", None):
        raise ValidationError({"post": _("This is not your shift: only the person on duty checks in for it.")})


def _today(post: Post, now) -> None:
    if not (post.shift.starts_at - EARLY <= now < post.shift.ends_at):
        start = timezone.localtime(post.shift.starts_at)
        raise ValidationError(
            {
                "post": _("This shift is on %(day)s %(time)s: check in on the day, from 30 minutes before it starts.")
                % {"day": f"{start:%Y-%m-%d}", "time": f"{start:%H:%M}"}
            }
        )


@transaction.atomic
def check_in(*, post: Post, user, now=None) -> Post:
    """Check in on one's own shift (idempotent: the first time counts)."""
    now = now or timezone.now()
    post = Post.objects.select_for_update(of=("self",)).select_related("shift", "staff").get(pk=post.pk)
    _own(post, user)
    _today(post, now)
    if post.checked_in_at is None:
        post.checked_in_at = now
        post.save(update_fields=["checked_in_at"])
        close(post, "duty.check_in", at=now)
    return post


@transaction.atomic
def check_out(*, post: Post, user, note: str, now=None) -> Post:
    """End one's shift with a handover note (交接班) that the next shift sees first."""
    now = now or timezone.now()
    post = Post.objects.select_for_update(of=("self",)).select_related("shift", "staff").get(pk=post.pk)
    _own(post, user)
    if post.checked_in_at is None:
        raise ValidationError({"note": _("Check in before you hand over.")})
    if now < post.shift.starts_at or now > post.shift.ends_at + timedelta(hours=2):
        raise ValidationError({"note": _("Hand over at the end of your shift.")})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("At most 2000 characters.")})
    post.handover_note = note
    post.checked_out_at = post.checked_out_at or now
    post.save(update_fields=["handover_note", "checked_out_at"])
    return post


def signature(post_id: int, staff_id: int, kind: str, text: str, written_at) -> str:
    """Who wrote what when, keyed: an entry changed later no longer matches its signature."""
    return salted_hmac("fangxian.duty.log", f"{post_id}|{staff_id}|{kind}|{text}|{written_at.isoformat()}").hexdigest()


@transaction.atomic
def log_write(*, post: Post, user, kind: str, text: str, now=None) -> LogEntry:
    """An entry of the duty log, during one's own shift, signed by its author."""
    now = now or timezone.now()
    _own(post, user)
    if not (post.shift.starts_at - EARLY <= now < post.shift.ends_at + timedelta(hours=2)):
        raise ValidationError({"text": _("The duty log is written during the shift.")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what happened.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("At most 2000 characters.")})
    if kind not in LogEntry.Kind.values:
        raise ValidationError({"kind": _("Choose a kind.")})
    entry = LogEntry(post=post, kind=kind, text=text, written_at=now)
    entry.signature = signature(post.pk, post.staff_id, kind, text, now)
    entry.save()
    return entry


def signature_valid(entry: LogEntry) -> bool:
    return entry.signature == signature(entry.post_id, entry.post.staff_id, entry.kind, entry.text, entry.written_at)


def require_own(post: Post, user) -> None:
    if post.staff.user_id != getattr(user, "pk", None):
        raise PermissionDenied
