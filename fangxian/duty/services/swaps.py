"""Swaps (换班) and duty leave (值班请假): asked by the person on duty, accepted by the
colleague, approved by the unit's admin; kept as history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.notify.services import notify_users
from fangxian.org.access import require_write
from fangxian.org.models import Staff

from .. import access
from ..models import Post, Swap, Unavailability
from .rosters import PlannedPost, _create, _delete_posts, check_plan, person_label


def _staff_of(user) -> Staff:
    staff = Staff.objects.filter(user=user, is_active=True).first() if getattr(user, "pk", None) else None
    if staff is None:
        raise ValidationError(_("Only a member of staff can do this."))
    return staff


@transaction.atomic
def swap_ask(*, post: Post, colleague: Staff | None, user, reason: str = "") -> Swap:
    me = _staff_of(user)
    if post.staff_id != me.pk:
        raise ValidationError({"post": _("You can only ask to swap your own shift.")})
    if colleague is None:
        raise ValidationError({"colleague": _("Name the colleague.")})
    if colleague.pk == me.pk:
        raise ValidationError({"colleague": _("You cannot swap with yourself.")})
    if post.checked_in_at or post.shift.starts_at <= timezone.now():
        raise ValidationError({"post": _("This shift has already started.")})
    if Swap.objects.filter(post=post, status__in=[Swap.Status.ASKED, Swap.Status.ACCEPTED]).exists():
        raise ValidationError({"post": _("A swap of this shift is already under way.")})
    problems = check_plan(post.shift.roster, [PlannedPost(post.shift.day, post.shift.slot, colleague, post.role, where=_("Colleague"))])
    if problems:
        raise ValidationError({"colleague": problems})
    swap = Swap(post=post, shift=post.shift, requester=me, colleague=colleague, reason=(reason or "").strip()[:200])
    swap.full_clean()
    swap.save()
    if colleague.user_id:
        from django.urls import reverse

        words = {"who": me.name, "shift": str(post.shift)}
        notify_users(
            users=[colleague.user],
            kind="duty.swap",
            title=_("%(who)s asks you to take a shift: %(shift)s") % words,
            url=reverse("duty:swaps"),
        )
    return swap


@transaction.atomic
def swap_answer(*, swap: Swap, user, accept: bool) -> Swap:
    swap = Swap.objects.select_for_update().get(pk=swap.pk)
    if swap.colleague_id != _staff_of(user).pk:
        raise ValidationError(_("Only the colleague asked can answer."))
    if swap.status != Swap.Status.ASKED:
        raise ValidationError(_("This swap is no longer waiting for you."))
    swap.status = Swap.Status.ACCEPTED if accept else Swap.Status.DECLINED
    swap.answered_at = timezone.now()
    swap.save(update_fields=["status", "answered_at"])
    return swap


@transaction.atomic
def swap_decide(*, swap: Swap, user, approve: bool) -> Swap:
    """The unit's admin approves (the post passes to the colleague) or rejects."""
    swap = Swap.objects.select_for_update(of=("self",)).select_related("post__shift__roster__unit", "colleague").get(pk=swap.pk)
    require_write(user, access.WRITERS, swap.shift.roster.unit)
    if swap.status != Swap.Status.ACCEPTED:
        raise ValidationError(_("Only a swap the colleague accepted can be decided."))
    if approve:
        post = swap.post
        if post is None or post.checked_in_at:
            raise ValidationError(_("The shift has changed since; the swap can no longer be made."))
        roster = post.shift.roster
        planned = PlannedPost(post.shift.day, post.shift.slot, swap.colleague, post.role, where=person_label(swap.colleague))
        problems = check_plan(roster, [planned], ignore_posts=[post.pk])
        if problems:
            raise ValidationError(problems)
        _delete_posts([post])
        _create(roster, [planned], user)
    swap.status = Swap.Status.APPROVED if approve else Swap.Status.REJECTED
    swap.decided_at = timezone.now()
    swap.decided_by = user
    swap.save(update_fields=["status", "decided_at", "decided_by"])
    return swap


@transaction.atomic
def swap_withdraw(*, swap: Swap, user) -> Swap:
    swap = Swap.objects.select_for_update().get(pk=swap.pk)
    if swap.requester_id != _staff_of(user).pk or swap.status not in (Swap.Status.ASKED, Swap.Status.ACCEPTED):
        raise ValidationError(_("This swap cannot be withdrawn."))
    swap.status = Swap.Status.WITHDRAWN
    swap.save(update_fields=["status"])
    return swap


@transaction.atomic
def leave_ask(*, user, start_date, end_date, reason: str) -> Unavailability:
    me = _staff_of(user)
    leave = Unavailability(staff=me, start_date=start_date, end_date=end_date, reason=(reason or "").strip())
    errors = {}
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = _("The end date is before the start date.")
    if not leave.reason:
        errors["reason"] = _("Give a reason.")
    if errors:
        raise ValidationError(errors)
    leave.full_clean()
    leave.save()
    return leave


@transaction.atomic
def leave_decide(*, leave: Unavailability, user, approve: bool) -> Unavailability:
    leave = Unavailability.objects.select_for_update(of=("self",)).select_related("staff__unit").get(pk=leave.pk)
    require_write(user, access.WRITERS, leave.staff.unit)
    if leave.status != Unavailability.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    leave.status = Unavailability.Status.APPROVED if approve else Unavailability.Status.REJECTED
    leave.decided_at = timezone.now()
    leave.decided_by = user
    leave.save(update_fields=["status", "decided_at", "decided_by"])
    return leave
