"""The installation's SECRET_KEY, recognised by a fingerprint kept in the database.

Every node of one installation must run with the same SECRET_KEY: it signs sessions and
encrypts the gate signing keys. A node started with another key used to look healthy while
it signed users out at random and, unable to decrypt the gate signing key, made a new one
on every pass it issued. The fingerprint (an HMAC of a fixed text under the key: it tells
nothing about the key) is recorded when the database is set up; a node whose key does not
match refuses to start (system check core.E001 for manage.py commands and consumers, and
fangxian.wsgi for gunicorn), fails /readyz, and never rotates the gate signing keys.

Changing the key on purpose: put the old key into SECRET_KEY_FALLBACKS on every node and
run `manage.py secret_key --accept` once; without a fallback, `--accept` alone (sessions end,
the gate signing key is replaced).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.utils import timezone

log = logging.getLogger(__name__)

_CONTEXT = b"fangxian.secret-key-fingerprint.v1"
MATCH, FALLBACK, MISMATCH, UNRECORDED, UNREACHABLE = "match", "fallback", "mismatch", "unrecorded", "unreachable"
# States in which this node may act as the installation (sign, rotate keys).
TRUSTED = {MATCH, FALLBACK, UNRECORDED}
_known_good: set[str] = set()  # fingerprints seen matching: one query per process, not per request


def fingerprint(secret: str) -> str:
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).hexdigest()


def key_state() -> str:
    from .models import InstallationKey

    current = fingerprint(settings.SECRET_KEY)
    if current in _known_good:
        return MATCH
    try:
        recorded = InstallationKey.objects.filter(pk=InstallationKey.SINGLETON).values_list("fingerprint", flat=True).first()
    except DatabaseError:  # not reachable or not migrated yet
        return UNREACHABLE
    if recorded is None:
        return UNRECORDED
    if hmac.compare_digest(recorded, current):
        _known_good.add(current)
        return MATCH
    if any(hmac.compare_digest(recorded, fingerprint(old)) for old in getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        return FALLBACK
    return MISMATCH


def record(*, accept: bool = False) -> str:
    """Record this node's key as the installation's: if none is recorded yet, if the recorded
    one is among the fallbacks (a planned change), or when an operator accepts it."""
    from .models import InstallationKey

    state = key_state()
    if state in (UNRECORDED, FALLBACK) or (accept and state == MISMATCH):
        InstallationKey.objects.update_or_create(
            pk=InstallationKey.SINGLETON, defaults={"fingerprint": fingerprint(settings.SECRET_KEY), "recorded_at": timezone.now()}
        )
        _known_good.clear()
        return MATCH
    return state


MISMATCH_MESSAGE = (
    "FANGXIAN_SECRET_KEY differs from the key this database was set up with: this node would "
    "sign users out and could not use the gate signing keys."
)
MISMATCH_HINT = (
    "Give this node the same FANGXIAN_SECRET_KEY as the others. To change the key on purpose, keep the "
    "old one in SECRET_KEY_FALLBACKS or run `manage.py secret_key --accept` (see docs/RUNBOOK.md)."
)


@register("fangxian")
def check_secret_key(app_configs=None, **kwargs):
    if key_state() == MISMATCH:
        return [Error(MISMATCH_MESSAGE, hint=MISMATCH_HINT, id="core.E001")]
    return []


def verify_at_startup() -> None:
    """For gunicorn (which runs no system checks): refuse to serve with a foreign key."""
    state = key_state()
    if state == MISMATCH:
        raise ImproperlyConfigured(f"{MISMATCH_MESSAGE} {MISMATCH_HINT}")
    if state == UNREACHABLE:
        log.warning("database not reachable at start: the secret key is checked again by /readyz")
