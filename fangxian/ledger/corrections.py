"""Correcting or cancelling a registered stay (an imported list's row, a college's
registration, a confirmed application) from the ledger page.

A correction changes the stay's dates, reason, details, bed and contacts as the college
now knows them: the same checks as a registration (the period, other stays, the bed),
guarded by the stay's version so that two people correcting at once do not overwrite each
other. A new bed is a move from today (the bed history keeps the old one). The change log
(auditlog) records every field.

Cancelling (已撤销) is for a stay that should not be on the ledger (imported by mistake, the
student changed plans before arriving): the entry's status becomes 已撤销 with the reason in
its history and the bed is free again. A student already on campus leaves through 已离校.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.org.models import Place

from .models import LIVE_STATUSES, LedgerEntry, StayApplication, StayReason
from .models import Status as S
from .services import _check_application, _guard_version, _relocate, _set_status

Stage = StayApplication.Stage

CORRECTABLE_FIELDS = (
    "start_date",
    "end_date",
    "reason",
    "reason_note",
    "bed",
    "emergency_contact",
    "emergency_phone",
    "parent_name",
    "parent_phone",
)
# Before the student arrives: afterwards they leave (已离校) instead.
CANCELLABLE_STATUSES = (S.REGISTERED, S.APPROVED)


def correctable(entry: LedgerEntry) -> bool:
    return entry.status in LIVE_STATUSES and entry.application.stage == Stage.CONFIRMED


def cancellable(entry: LedgerEntry) -> bool:
    return entry.status in CANCELLABLE_STATUSES and entry.application.stage == Stage.CONFIRMED


@transaction.atomic
def stay_correct(
    *,
    application: StayApplication,
    by,
    version: int,
    start_date: date,
    end_date: date,
    reason: StayReason,
    reason_note: str,
    bed: Place,
    emergency_contact: str,
    emergency_phone: str,
    parent_name: str,
    parent_phone: str,
    on: date | None = None,
) -> list[str]:
    """Correct a confirmed stay; the names of the fields that changed (none: nothing saved)."""
    on = on or timezone.localdate()
    app = StayApplication.objects.select_for_update(of=("self",)).select_related("period", "student", "reason").get(pk=application.pk)
    _guard_version(app, version)
    entry = LedgerEntry.objects.select_related("application").get(application=app)
    if not correctable(entry):
        raise ValidationError(
            _("A stay that is “%(status)s” can no longer be corrected.") % {"status": entry.get_status_display()}, code="status"
        )
    wanted = {
        "start_date": start_date,
        "end_date": end_date,
        "reason": reason,
        "reason_note": reason_note.strip(),
        "bed": bed,
        "emergency_contact": emergency_contact.strip(),
        "emergency_phone": emergency_phone.replace(" ", "").replace("-", ""),
        "parent_name": parent_name.strip(),
        "parent_phone": parent_phone.replace(" ", "").replace("-", ""),
    }
    changed = [name for name, value in wanted.items() if getattr(app, name) != value]
    if not changed:
        return []
    old_bed_id = app.bed_id
    for name in changed:
        setattr(app, name, wanted[name])
    _check_application(app, pledge_agreed=True)
    app.full_clean()
    app.version += 1
    app.save()  # the change log (auditlog) records each changed field
    if app.bed_id != old_bed_id and entry.bed_id != app.bed_id:
        _relocate(entry, bed=app.bed, on=max(on, entry.status_since), by=by, note=_("Stay corrected"))
    return changed


@transaction.atomic
def stay_cancel(*, application: StayApplication, by, version: int, note: str, on: date | None = None) -> LedgerEntry:
    """Cancel a confirmed stay before the student arrives (已撤销), with the reason."""
    on = on or timezone.localdate()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the stay is cancelled.")})
    app = StayApplication.objects.select_for_update().get(pk=application.pk)
    _guard_version(app, version)
    entry = LedgerEntry.objects.select_related("application").get(application=app)
    if not cancellable(entry):
        raise ValidationError(
            _("A stay that is “%(status)s” cannot be cancelled; a student who has arrived leaves through “%(left)s”.")
            % {"status": entry.get_status_display(), "left": S.LEFT.label},
            code="status",
        )
    app.version += 1
    app.save(update_fields=["version"])
    return _set_status(entry, status=S.CANCELLED, on=max(on, entry.status_since), by=by, note=_("Cancelled: %(note)s") % {"note": note})
