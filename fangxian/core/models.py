from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    holder = models.CharField(pgettext_lazy("lease", "holder"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return f"{self.name} ({self.holder})"


class ImportBatch(models.Model):
    """One spreadsheet import that wrote something: its file, who, when, what it did, and
    what undoing it needs (the rows it created, the fields it changed with their old
    values). The change log (auditlog) entries of the import carry its `cid`."""

    class State(models.TextChoices):
        APPLIED = "applied", _("Applied")
        UNDONE = "undone", _("Undone")

    importer = models.CharField(_("import"), max_length=50)
    title = models.CharField(pgettext_lazy("import", "title"), max_length=100)
    cid = models.CharField(_("change-log id"), max_length=64, unique=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    # [[app_label.model, pk], …] and [[app_label.model, pk, {field: [old, new]}], …]; None
    # when the import does not record them (it cannot be undone here).
    created_objects = models.JSONField(null=True, blank=True)
    changed_fields = models.JSONField(null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.APPLIED)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("undone by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} #{self.pk}"

    @property
    def undoable(self) -> bool:
        return self.state == self.State.APPLIED and self.created_objects is not None


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
