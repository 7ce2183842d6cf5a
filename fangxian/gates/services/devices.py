"""Gate devices: issue and withdraw a device token, and authenticate a device by its token."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.org.models import Place

from ..cache import TTLCache
from ..models import Device, hash_device_token


@transaction.atomic
def device_issue(*, gate: Place, name: str, by=None, request=None) -> tuple[Device, str]:
    """A device for a gate and its token, shown once."""
    if gate.kind != Place.Kind.GATE:
        raise ValidationError({"gate": _("Choose a gate.")})
    if not name.strip():
        raise ValidationError({"name": _("Give the device a name.")})
    raw = Device.PREFIX + secrets.token_urlsafe(32)
    device = Device.objects.create(gate=gate, name=name.strip(), key_hash=hash_device_token(raw), hint=raw[:8], created_by=by)
    record_event(SecurityEvent.Kind.TOKEN_CREATED, request=request, user=by, device=device.pk, gate=gate.pk)
    return device, raw


@transaction.atomic
def device_withdraw(*, device: Device, by=None, request=None) -> Device:
    device.withdrawn_at = timezone.now()
    device.save(update_fields=["withdrawn_at"])
    forget_devices()
    record_event(SecurityEvent.Kind.TOKEN_REVOKED, request=request, user=by, device=device.pk, gate=device.gate_id)
    return device


LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class DeviceAuthError(Exception):
    pass


DEVICE_CACHE_SECONDS = 5.0
_devices: TTLCache[Device] = TTLCache(DEVICE_CACHE_SECONDS)


def _load_device(key_hash: str) -> Device | None:
    # No .first(): it would add ORDER BY (a join to the gate's ordering) to a unique lookup.
    return next(iter(Device.objects.select_related("gate").filter(key_hash=key_hash).order_by()[:1]), None)


def forget_devices() -> None:
    _devices.forget_now_and_on_commit()


def device_authenticate(raw: str) -> Device:
    """The device behind a bearer token (with its gate). Devices are kept a few seconds
    per process: withdrawing a token takes effect at once in the process that withdrew it
    and within DEVICE_CACHE_SECONDS everywhere else."""
    if not raw.startswith(Device.PREFIX):
        raise DeviceAuthError(_("Unknown device token."))
    key_hash = hash_device_token(raw)
    device = _devices.get(key_hash, lambda: _load_device(key_hash))
    if device is None:
        raise DeviceAuthError(_("Unknown device token."))
    if device.withdrawn_at is not None:
        raise DeviceAuthError(_("This device's token has been withdrawn; ask the security office for a new one."))
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device
