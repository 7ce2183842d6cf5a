from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Last beat of the job consumer's periodic task, read by /healthz."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("beat at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class InstallationKey(models.Model):
    """The fingerprint of the SECRET_KEY the database was set up with (see core.keys)."""

    SINGLETON = 1

    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("installation key")
        verbose_name_plural = _("installation keys")

    def __str__(self) -> str:
        return f"{self.fingerprint[:12]}… @ {self.recorded_at:%Y-%m-%d %H:%M:%S}"
