"""Vehicle registrations."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from fangxian.org.models import Place

from ..models import Vehicle


@transaction.atomic
def vehicle_register(
    *, plate: str, owner: str, starts_at: datetime, ends_at: datetime, campus: Place | None = None, note: str = "", by=None
) -> Vehicle:
    vehicle = Vehicle(plate=plate, owner=owner, campus=campus, starts_at=starts_at, ends_at=ends_at, note=note, registered_by=by)
    vehicle.full_clean()
    vehicle.save()
    return vehicle


@transaction.atomic
def vehicle_withdraw(*, vehicle: Vehicle) -> Vehicle:
    vehicle.withdrawn_at = timezone.now()
    vehicle.save(update_fields=["withdrawn_at"])
    return vehicle
