"""A batch of accounts made from people, and its first-login slips.

The slips hold the initial passwords, so they are kept only encrypted (Fernet, with a key
derived from SECRET_KEY), only for the admin who made the batch, and only until they say
the slips have been handed out or SLIPS_KEEP_HOURS pass; then the ciphertext is wiped.
The hashes in the accounts are the only other trace of the passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SLIPS_KEEP_HOURS = 24


def _fernet(secret: str) -> Fernet:
    key = hmac.new(secret.encode(), b"fangxian.accounts.slips", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class ProvisionBatch(models.Model):
    """Accounts created in one action by the security admin (开通账号批次)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    selection = models.CharField(_("selection"), max_length=300)
    created_count = models.PositiveIntegerField(_("accounts created"), default=0)
    skipped = models.JSONField(_("skipped"), default=list, blank=True, help_text=_("People left out, with the reason."))
    slips = models.BinaryField(_("slips (encrypted)"), default=b"", editable=False)
    slips_wiped_at = models.DateTimeField(_("slips destroyed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account batch")
        verbose_name_plural = _("account batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} · {self.created_count}"

    @property
    def slips_expire_at(self):
        return self.created_at + timedelta(hours=SLIPS_KEEP_HOURS)

    @property
    def slips_available(self) -> bool:
        return bool(self.slips) and self.slips_wiped_at is None and timezone.now() < self.slips_expire_at

    def store_slips(self, rows: list[list[str]]) -> None:
        self.slips = _fernet(settings.SECRET_KEY).encrypt(zlib.compress(json.dumps(rows, ensure_ascii=False).encode(), 3))

    def read_slips(self) -> list[list[str]]:
        """[[name, unit, login, password], …]; empty once wiped or expired."""
        if not self.slips_available:
            return []
        for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
            try:
                return json.loads(zlib.decompress(_fernet(secret).decrypt(bytes(self.slips))))
            except InvalidToken:
                continue
        return []

    def wipe_slips(self) -> None:
        type(self).objects.filter(pk=self.pk).update(slips=b"", slips_wiped_at=timezone.now())
        self.slips, self.slips_wiped_at = b"", timezone.now()


def wipe_expired_slips() -> int:
    """Destroy the ciphertext of slips past SLIPS_KEEP_HOURS (read_slips already refuses
    them; this leaves nothing behind to decrypt with a leaked key later)."""
    cutoff = timezone.now() - timedelta(hours=SLIPS_KEEP_HOURS)
    return ProvisionBatch.objects.filter(created_at__lt=cutoff, slips_wiped_at__isnull=True).update(
        slips=b"", slips_wiped_at=timezone.now()
    )
