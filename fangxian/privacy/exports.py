"""Unmasked exports (asked with a reason, approved by a security administrator who is not
the requester, used once within a day) and the export record of every file exported."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.exports import ExportKind, ExportRefused, export_kind
from fangxian.core.personal import RevealReason, reveal_reason
from fangxian.notify.services import notify_users
from fangxian.org.access import has_any

from . import access
from .models import ExportGrant, ExportRecord

# -- compact primary keys -----------------------------------------------------------------


def compact(pks) -> str:
    """Sorted ranges of primary keys: [1, 2, 3, 7, 9, 10] -> "1-3,7,9-10"."""
    values = sorted({int(pk) for pk in pks})
    parts: list[str] = []
    start = prev = None
    for value in values:
        if prev is not None and value == prev + 1:
            prev = value
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = value
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(parts)


def holds(text: str, pk: int) -> bool:
    """Is `pk` in a compact list of ranges?"""
    for part in text.split(","):
        low, _sep, high = part.partition("-")
        if low and int(low) <= pk <= int(high or low):
            return True
    return False


# -- the export record, from the file's EXPORT security event ---------------------------

# Keys of an export's event that are not the rows it held nor its filters.
_NOT_FILTERS = {"export", "what", "rows", "masked", "grant", "students", "staff_ids", "filter", "filters"}
# Lists of primary keys an export's event names, by the kind of row (people first).
_PEOPLE = {"students": "student", "staff_ids": "staff"}


def record_of(event: SecurityEvent) -> ExportRecord | None:
    detail = event.detail if isinstance(event.detail, dict) else {}
    held = {}
    for key, value in detail.items():
        if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
            held[_PEOPLE.get(key, key)] = compact(value)
        elif isinstance(value, int) and not isinstance(value, bool) and key not in ("rows", "grant"):
            held[key] = str(value)
    filters = detail.get("filter") or detail.get("filters")
    if not isinstance(filters, dict):
        filters = {k: v for k, v in detail.items() if k not in _NOT_FILTERS and isinstance(v, str | bool)}
    rows = detail.get("rows")
    grant = detail.get("grant")
    return ExportRecord.objects.create(
        event_id=event.pk,
        at=event.at,
        user_id=event.user_id,
        username=event.username,
        export=str(detail.get("export") or detail.get("what") or "")[:100],
        masked=bool(detail.get("masked", True)),
        grant_id=grant if isinstance(grant, int) else None,
        rows=rows if isinstance(rows, int) and rows >= 0 else None,
        held=held,
        filters=filters,
    )


# -- unmasked export requests -------------------------------------------------------------


def _security_admins():
    return get_user_model().objects.filter(role_grants__role=Role.SECURITY_ADMIN, is_active=True).distinct()


def download_url(grant: ExportGrant) -> str:
    kind = export_kind(grant.export)
    url = reverse(kind.url_name, args=grant.args or None)
    return f"{url}?{urlencode({**grant.params, 'grant': grant.pk})}"


def may_request(user, kind: ExportKind) -> bool:
    return has_any(user, kind.roles)


@transaction.atomic
def grant_request(*, user, kind: ExportKind, params: dict, args: tuple, reason: str, text: str, request=None) -> ExportGrant:
    """Ask for one export unmasked: refused to roles that may not see its fields in full,
    without a reason, or while the same export waits already."""
    if not may_request(user, kind):
        raise PermissionDenied
    reason, text = reveal_reason(reason, text)
    rows = kind.count(user, params, args) if kind.count else None  # counted in the requester's scope
    args = [str(a) for a in args]
    if ExportGrant.objects.filter(requested_by=user, export=kind.key, params=params, args=args, status=ExportGrant.Status.PENDING).exists():
        raise ValidationError(_("This export is already waiting for the security administrator's approval."), code="pending")
    grant = ExportGrant.objects.create(
        export=kind.key, params=params, args=args, rows=rows, reason=reason, reason_text=text, requested_by=user
    )
    record_event(
        SecurityEvent.Kind.APPROVAL_REQUESTED,
        request=request,
        user=user,
        action="unmasked_export",
        export=kind.key,
        grant=grant.pk,
        rows=rows,
        reason=reason,
        reason_label=str(RevealReason(reason).label),
        reason_text=text,
    )
    name = user.get_full_name() or user.get_username()
    notify_users(
        users=_security_admins().exclude(pk=user.pk),
        kind="privacy.export_requested",
        title=_("%(name)s asks to export %(export)s unmasked") % {"name": name, "export": kind.label},
        body=_("Reason: %(reason)s. Rows: %(rows)s.") % {"reason": _reason_text(grant), "rows": rows if rows is not None else "—"},
        url=reverse("privacy:export_grants"),
    )
    return grant


def _reason_text(grant: ExportGrant) -> str:
    label = str(RevealReason(grant.reason).label) if grant.reason in RevealReason.values else grant.reason
    return " · ".join(part for part in (label, grant.reason_text) if part)


@transaction.atomic
def grant_decide(*, grant: ExportGrant, approve: bool, by, request=None) -> ExportGrant:
    grant = ExportGrant.objects.select_for_update().get(pk=grant.pk)
    # Two people: whoever asked may not approve, whatever roles their account holds.
    if grant.requested_by_id == by.pk:
        raise ValidationError(_("An unmasked export must be approved by someone other than the person who asked for it."), code="same")
    if not has_any(by, access.EXPORT_APPROVERS):
        raise PermissionDenied
    if grant.status != ExportGrant.Status.PENDING:
        raise ValidationError(_("This request has already been decided or withdrawn."), code="decided")
    grant.status = ExportGrant.Status.APPROVED if approve else ExportGrant.Status.REJECTED
    grant.decided_by = by
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    kind = SecurityEvent.Kind.APPROVAL_GRANTED if approve else SecurityEvent.Kind.APPROVAL_REJECTED
    record_event(
        kind, request=request, user=by, action="unmasked_export", export=grant.export, grant=grant.pk, target=grant.requested_by.username
    )
    label = export_kind(grant.export).label if export_kind(grant.export) else grant.export
    title = (
        _("Your unmasked export of %(export)s is approved: download it once within 24 hours")
        if approve
        else _("Your unmasked export of %(export)s was rejected")
    )
    url = reverse("privacy:export_grants")
    notify_users(users=[grant.requested_by], kind="privacy.export_decided", title=title % {"export": label}, url=url)
    return grant


@transaction.atomic
def grant_withdraw(*, grant: ExportGrant, by) -> ExportGrant:
    grant = ExportGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.requested_by_id != by.pk:
        raise PermissionDenied
    if grant.status != ExportGrant.Status.PENDING:
        raise ValidationError(_("This request has already been decided or withdrawn."), code="decided")
    grant.status = ExportGrant.Status.WITHDRAWN
    grant.save(update_fields=["status"])
    return grant


def grant_refusal(grant: ExportGrant | None, user) -> str | None:
    """Why `user` may not download with `grant` now, or None."""
    if grant is None or grant.requested_by_id != user.pk:
        return _("This unmasked export was not approved for you.")
    if grant.status == ExportGrant.Status.USED:
        return _("This unmasked export has already been downloaded; an approval is good for one download.")
    if grant.status != ExportGrant.Status.APPROVED:
        return _("This unmasked export has not been approved.")
    if not grant.usable:
        return _("The approval of this unmasked export has expired (24 hours); ask again.")
    return None


def use_grant(request, raw: str, key: str, params: dict, args: tuple) -> int:
    """The grant backend of fangxian.core.exports: consume the grant for exactly this export."""
    pk = int(raw) if raw.isdigit() and len(raw) < 12 else None
    grant = ExportGrant.objects.filter(pk=pk).first() if pk else None
    refusal = grant_refusal(grant, request.user)
    if refusal is None and (grant.export != key or grant.params != params or list(grant.args) != list(args)):
        refusal = _("This approval is for another export or other filters.")
    if refusal is not None:
        raise ExportRefused(refusal)
    # Used once: of two downloads at the same moment, the one that changes the row wins.
    updated = ExportGrant.objects.filter(pk=grant.pk, status=ExportGrant.Status.APPROVED).update(
        status=ExportGrant.Status.USED, used_at=timezone.now()
    )
    if not updated:
        raise ExportRefused(_("This unmasked export has already been downloaded; an approval is good for one download."))
    return grant.pk
