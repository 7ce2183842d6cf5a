from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteConfig(models.Model):
    """Settings the system administrator keeps in the platform (系统配置). One row."""

    institution_name = models.CharField(_("institution name"), max_length=100, blank=True)
    notice_banner = models.CharField(_("banner"), max_length=200, blank=True, help_text=_("A short message shown on top of every page."))
    support_contact = models.CharField(_("support contact"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("system settings")
        verbose_name_plural = _("system settings")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.institution_name or settings.INSTITUTION_NAME

    @classmethod
    def current(cls) -> SiteConfig:
        config = cls.objects.order_by("pk").first()
        return config or cls(pk=None)
