"""Visits: a host's invitation or a visitor's request, and the host's decision."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.models import Place, Staff

from ..models import Visit


@transaction.atomic
def visit_create(
    *,
    host: Staff,
    campus: Place,
    kind: str,
    name: str,
    id_number: str,
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    phone: str = "",
    organisation: str = "",
    invited: bool,
    by=None,
) -> Visit:
    """A host's invitation (approved at once) or a visitor's request (waits for the host)."""
    visit = Visit(
        host=host,
        campus=campus,
        kind=kind,
        name=name,
        id_number=id_number,
        phone=phone,
        organisation=organisation,
        purpose=purpose,
        starts_at=starts_at,
        ends_at=ends_at,
        status=Visit.Status.APPROVED if invited else Visit.Status.REQUESTED,
        created_by=by,
        decided_at=timezone.now() if invited else None,
    )
    visit.full_clean(exclude=["token"])
    if ends_at - starts_at > timedelta(days=31):
        raise ValidationError({"ends_at": _("A visit lasts at most 31 days.")})
    if host.institution_id != campus.institution_id:
        raise ValidationError({"host": _("The host belongs to another institution.")})
    visit.save()
    return visit


@transaction.atomic
def visit_decide(*, visit: Visit, host: Staff | None, approve: bool) -> Visit:
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if host is None or visit.host_id != host.pk or visit.status != Visit.Status.REQUESTED:
        raise ValidationError(_("This visit is not waiting for your decision."))
    visit.status = Visit.Status.APPROVED if approve else Visit.Status.REJECTED
    visit.decided_at = timezone.now()
    visit.save(update_fields=["status", "decided_at"])
    return visit
