"""Writes of the privacy app: the end of the emergency (asked by the office, approved by
the security administrator: two people), each with its security event."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.org.access import has_any

from . import access
from .models import EmergencyEnd


@transaction.atomic
def emergency_end_request(*, ends_on: date, note: str = "", by, request=None) -> EmergencyEnd:
    if not has_any(by, access.EMERGENCY_REQUESTERS):
        raise PermissionDenied
    if EmergencyEnd.objects.filter(status=EmergencyEnd.Status.APPROVED).exists():
        raise ValidationError(_("The end of the emergency has already been approved."), code="approved")
    if ends_on > timezone.localdate() + timezone.timedelta(days=366):
        raise ValidationError({"ends_on": _("Choose a date within the next year.")}, code="far")
    end = EmergencyEnd(ends_on=ends_on, note=note.strip()[:300], requested_by=by)
    end.full_clean()
    try:
        with transaction.atomic():
            end.save()
    except IntegrityError:
        raise ValidationError(_("A request to end the emergency is already waiting for approval."), code="pending") from None
    record_event(SecurityEvent.Kind.APPROVAL_REQUESTED, request=request, user=by, action="emergency_end", ends_on=ends_on.isoformat())
    return end


@transaction.atomic
def emergency_end_decide(*, end: EmergencyEnd, approve: bool, by, request=None) -> EmergencyEnd:
    end = EmergencyEnd.objects.select_for_update().get(pk=end.pk)
    # Two people: whoever asked may not approve, whatever roles their account holds.
    if end.requested_by_id == by.pk:
        raise ValidationError(
            _("The end of the emergency must be approved by someone other than the person who asked for it."), code="same"
        )
    if not has_any(by, access.EMERGENCY_APPROVERS):
        raise PermissionDenied
    if end.status != EmergencyEnd.Status.PENDING:
        raise ValidationError(_("This request has already been decided or withdrawn."), code="decided")
    end.status = EmergencyEnd.Status.APPROVED if approve else EmergencyEnd.Status.REJECTED
    end.decided_by = by
    end.decided_at = timezone.now()
    end.save(update_fields=["status", "decided_by", "decided_at"])
    kind = SecurityEvent.Kind.APPROVAL_GRANTED if approve else SecurityEvent.Kind.APPROVAL_REJECTED
    record_event(kind, request=request, user=by, action="emergency_end", ends_on=end.ends_on.isoformat())
    return end


@transaction.atomic
def emergency_end_withdraw(*, end: EmergencyEnd, by, request=None) -> EmergencyEnd:
    end = EmergencyEnd.objects.select_for_update().get(pk=end.pk)
    if end.requested_by_id != by.pk:
        raise PermissionDenied
    if end.status != EmergencyEnd.Status.PENDING:
        raise ValidationError(_("This request has already been decided or withdrawn."), code="decided")
    end.status = EmergencyEnd.Status.WITHDRAWN
    end.save(update_fields=["status"])
    return end
