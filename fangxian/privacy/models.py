"""The privacy app's own records: the end of the emergency (two people), the retention
job's runs (counts per table, never the data) and the index of disclosures by person
that the auditor searches."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# "Until 30 days after the emergency ends" (fangxian.core.personal.Retention.AFTER_EMERGENCY).
AFTER_EMERGENCY_DAYS = 30


class ForPrivacyRoles:
    """The app's records are the institution's, read by the roles of its pages (the
    administrators' scope is otherwise empty: they see records, not people)."""

    def visible_to(self, user):
        from .access import reads_records

        return self if reads_records(user) else self.none()


class EmergencyEndQuerySet(ForPrivacyRoles, models.QuerySet):
    pass


class EmergencyEnd(models.Model):
    """The declaration that the emergency is over (应急状态结束): requested by the prevention
    office with a date, approved by the security administrator (a different person). From
    that date the epidemic-only data follows its after-emergency retention."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", pgettext_lazy("emergency end", "Approved")
        REJECTED = "rejected", pgettext_lazy("emergency end", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("emergency end", "Withdrawn")

    ends_on = models.DateField(_("emergency ends on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Filled once the epidemic-only data has been purged: the signed certificate.
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)
    certificate = models.JSONField(_("certificate"), default=dict, blank=True)
    signature = models.CharField(_("signature"), max_length=128, blank=True)

    objects = EmergencyEndQuerySet.as_manager()

    class Meta:
        verbose_name = _("end of the emergency")
        verbose_name_plural = _("ends of the emergency")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One request waits at a time, and the emergency ends once.
            models.UniqueConstraint(fields=["status"], condition=Q(status="pending"), name="privacy_one_pending_end"),
            models.UniqueConstraint(fields=["status"], condition=Q(status="approved"), name="privacy_one_approved_end"),
        ]

    def __str__(self) -> str:
        return f"{self.ends_on} ({self.get_status_display()})"

    @property
    def purge_on(self):
        """The first day the epidemic-only data is past its retention."""
        return self.ends_on + timedelta(days=AFTER_EMERGENCY_DAYS)


class PurgeRunQuerySet(ForPrivacyRoles, models.QuerySet):
    pass


class PurgeRun(models.Model):
    """One run of the retention job. `key` makes a run happen once ("daily:2026-12-05",
    "emergency:3"): a second start finds it and returns; an interrupted run is resumed
    from `progress` (the last primary key done per table) with the same `as_of`."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    key = models.CharField(_("run"), max_length=60, unique=True)
    as_of = models.DateTimeField(_("retention computed at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("started by")
    )
    emergency = models.ForeignKey(EmergencyEnd, on_delete=models.PROTECT, null=True, blank=True, related_name="runs")
    # {"gates.scan": {"deleted": 120, "deidentified": 0, "kept": 0}}: counts only, never data.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # {"gates.scan": {"after": 4711, "done": false}}: where a resumed run continues.
    progress = models.JSONField(default=dict, blank=True)

    objects = PurgeRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("purge run")
        verbose_name_plural = _("purge runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.key

    def total(self, what: str) -> int:
        return sum(c.get(what, 0) for c in self.counts.values())

    @property
    def deleted_total(self) -> int:
        return self.total("deleted")

    @property
    def deidentified_total(self) -> int:
        return self.total("deidentified")


class AccessRecordQuerySet(ForPrivacyRoles, models.QuerySet):
    pass


class AccessRecord(models.Model):
    """One person's record viewed, revealed or exported (an index of the security events by
    person, for the auditor's search: PIPL art. 55/56). Written with the event, in its
    transaction; the event itself stays in the append-only audit log."""

    class PersonKind(models.TextChoices):
        STUDENT = "student", _("Student")
        STAFF = "staff", _("Staff")

    event_id = models.BigIntegerField(_("security event"), db_index=True)
    kind = models.CharField(_("kind"), max_length=32)
    at = models.DateTimeField(_("time"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    person_kind = models.CharField(_("person"), max_length=8, choices=PersonKind.choices)
    person_id = models.BigIntegerField()
    field = models.CharField(_("field"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    what = models.CharField(_("what"), max_length=100, blank=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person_kind", "person_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.kind} {self.person_kind}:{self.person_id}"


class ExportGrantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The security administrators see every request (they decide them), the auditors
        read them; everybody else sees their own."""
        from fangxian.accounts.roles import roles_of

        from .access import EXPORT_GRANT_READERS

        if roles_of(user) & EXPORT_GRANT_READERS:
            return self
        return self.filter(requested_by=user)


class ExportGrant(models.Model):
    """A request to export a file unmasked (ID numbers, phones, addresses in full): the
    export and its parameters, the rows it held when asked, and a reason; approved by a
    security administrator who is not the requester, then usable once, by the requester,
    within LIFETIME, for exactly that export."""

    LIFETIME = timedelta(hours=24)

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", pgettext_lazy("export grant", "Approved")
        REJECTED = "rejected", pgettext_lazy("export grant", "Rejected")
        USED = "used", pgettext_lazy("export grant", "Used")
        WITHDRAWN = "withdrawn", pgettext_lazy("export grant", "Withdrawn")

    export = models.CharField(_("export"), max_length=60)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    args = models.JSONField(default=list, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20)
    reason_text = models.CharField(_("explanation"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    used_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)

    objects = ExportGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("unmasked export request")
        verbose_name_plural = _("unmasked export requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.export} #{self.pk} ({self.get_status_display()})"

    @property
    def expires_at(self):
        return self.decided_at + self.LIFETIME if self.decided_at else None

    @property
    def reason_label(self) -> str:
        from fangxian.core.personal import RevealReason

        return str(dict(RevealReason.choices).get(self.reason, self.reason))

    @property
    def usable(self) -> bool:
        return self.status == self.Status.APPROVED and self.expires_at is not None and timezone.now() < self.expires_at


class ExportRecordQuerySet(ForPrivacyRoles, models.QuerySet):
    pass


class ExportRecord(models.Model):
    """One exported file (every app, xlsx or docx): who, when, which export, masked or not,
    the grant it used, its row count and the primary keys of the rows it held (compact
    ranges per kind: {"student": "3-40,52"}), so the auditor answers "which files contained
    this student". Written from the file's EXPORT security event, in its transaction."""

    event_id = models.BigIntegerField(_("security event"), unique=True)
    at = models.DateTimeField(_("time"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    export = models.CharField(_("export"), max_length=100)
    masked = models.BooleanField(_("masked"), default=True)
    # SET_NULL: the retention job may purge a grant a day before the last file it allowed.
    grant = models.ForeignKey(ExportGrant, on_delete=models.SET_NULL, null=True, blank=True, related_name="records")
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    held = models.JSONField(_("rows held"), default=dict, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)

    objects = ExportRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.export}"
