"""The security admin's single sign-on policy (one row)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SsoPolicy(models.Model):
    required = models.BooleanField(
        _("single sign-on required"),
        default=False,
        help_text=_("Everyone except the admins must sign in through the unified identity authentication."),
    )
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("single sign-on policy")
        verbose_name_plural = _("single sign-on policies")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> SsoPolicy:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
