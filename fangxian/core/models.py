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


class OutboxJob(models.Model):
    """Work that must happen after a commit, recorded in the same transaction as the change
    that calls for it and handed to the queue from here until a run has marked it done
    (see core.outbox). Redis losing a job, or a consumer killed in the middle of one, only
    delays it."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    handed_at = models.DateTimeField(_("handed to the queue at"), null=True, blank=True)
    handovers = models.PositiveIntegerField(_("handovers"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox job")
        verbose_name_plural = _("outbox jobs")
        indexes = [models.Index(fields=["done_at", "handed_at"], name="core_outbox_pending")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


class PeriodicRun(models.Model):
    """One row per periodic task and scheduled minute: every consumer schedules periodic
    work, and the first to insert the row runs it (see core.jobs.periodic_task)."""

    name = models.CharField(_("name"), max_length=200)
    slot = models.DateTimeField(_("scheduled for"))
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="core_periodicrun_once")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"


class Lease(models.Model):
    """A lock that expires by itself: a consumer killed while holding it blocks the work
    only until `expires_at` (see core.jobs.lease)."""

    name = models.CharField(_("name"), max_length=200, primary_key=True)
    holder = models.CharField(_("holder"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return f"{self.name} ({self.holder})"


class StoredFile(models.Model):
    """A file kept in the database (core.storage.DatabaseStorage): uploads and generated
    files that every node must see, saved in the same transaction as the rows naming them
    and dumped with them by pg_dump."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    content = models.BinaryField(_("content"))
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.name
