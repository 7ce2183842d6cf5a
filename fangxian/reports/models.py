"""Daily and zero reporting (日报告、零报告).

A `ReportForm` (报表) is defined by the prevention office: who reports (unit kinds and/or
named units), how often, and by what local time. Its questions live in `FormVersion.schema`
(JSON, see `schema.py`); a change makes a new version valid from a date, and every
`Submission` keeps the version it was filled in. A submission belongs to a unit, not to a
person: one per unit, form and day, enforced by the database.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.org.models import Unit
from fangxian.org.visibility import ByUnit


class ReportFormQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def due_on(self, day: date):
        """Forms that expect a report on `day`: daily ones, and one-off collections of that day."""
        return self.active().filter(
            Q(frequency=ReportForm.Frequency.DAILY, starts_on__lte=day) | Q(frequency=ReportForm.Frequency.ONCE, once_on=day)
        )


class ReportForm(models.Model):
    """A report form (报表) and who must fill it in."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        ONCE = "once", _("One-off collection")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    starts_on = models.DateField(_("reporting starts on"), default=date(2022, 7, 1))
    once_on = models.DateField(_("collection day"), null=True, blank=True, help_text=_("For a one-off collection."))
    deadline = models.TimeField(_("deadline (local time)"), default=time(10, 0))
    unit_kinds = models.JSONField(_("unit kinds that report"), default=list, blank=True)
    unit_codes = models.JSONField(_("unit codes that report"), default=list, blank=True)
    units = models.ManyToManyField(Unit, blank=True, related_name="report_forms", verbose_name=_("units that report"))
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.IntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ReportFormQuerySet.as_manager()

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency="daily") | Q(once_on__isnull=False),
                name="report_form_once_has_day",
                violation_error_message=_("A one-off collection needs its day."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def deadline_on(self, day: date) -> datetime:
        """The deadline of `day`'s report as an aware datetime (local time zone)."""
        return timezone.make_aware(datetime.combine(day, self.deadline))

    def is_due_on(self, day: date) -> bool:
        if not self.is_active:
            return False
        if self.frequency == self.Frequency.ONCE:
            return self.once_on == day
        return self.starts_on <= day

    def expected_units(self):
        """Units that must report on this form (active units only)."""
        condition = Q(pk__in=[])
        if self.unit_kinds:
            condition |= Q(kind__in=self.unit_kinds)
        if self.unit_codes:
            condition |= Q(code__in=self.unit_codes)
        if self.pk:
            condition |= Q(pk__in=self.units.values("pk"))
        return Unit.objects.active().filter(condition).order_by("path")

    def version_for(self, day: date) -> FormVersion | None:
        return self.versions.filter(valid_from__lte=day).order_by("-valid_from", "-number").first()


class FormVersion(models.Model):
    """The questions of a form from a date on. Never edited once used: a change is a new
    version, so that old submissions are read with the questions they answered."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="versions", verbose_name=_("form"))
    number = models.PositiveIntegerField(_("version"))
    valid_from = models.DateField(_("valid from"))
    schema = models.JSONField(_("sections and fields"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["form", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="unique_form_version_number"),
            models.UniqueConstraint(fields=["form", "valid_from"], name="unique_form_version_start"),
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


class SubmissionQuerySet(ByUnit, models.QuerySet):
    """Visible with the unit that reports it."""


class Submission(models.Model):
    """A unit's report (报告) on a form for one day. Drafts are not yet reported; the first
    submit decides whether the report was on time; later submits are revisions."""

    objects = SubmissionQuerySet.as_manager()

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", _("Approved")

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("form"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="report_submissions", verbose_name=_("unit"))
    day = models.DateField(_("day"))
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("form version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(_("answers"), default=dict, blank=True)
    zero_sections = models.JSONField(_("sections reported as nothing unusual"), default=list, blank=True)
    reasons = models.JSONField(_("reasons for corrected figures"), default=dict, blank=True)
    is_zero = models.BooleanField(_("zero report"), default=False)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    revision_count = models.PositiveIntegerField(_("revisions"), default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    review_comment = models.TextField(_("office's comment"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    edit_exception = models.BooleanField(
        _("edit allowed after approval"), default=False, help_text=_("Granted by the office: the unit may change an approved report once.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-day", "form", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["form", "unit", "day"], name="one_submission_per_unit_form_day")]
        indexes = [models.Index(fields=["form", "day", "status"]), models.Index(fields=["unit", "day"])]

    def __str__(self) -> str:
        return f"{self.unit} · {self.form} · {self.day}"

    @property
    def is_reported(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED and not self.edit_exception


REPORTED_STATUSES = (Submission.Status.SUBMITTED, Submission.Status.RETURNED, Submission.Status.APPROVED)


class SubmissionRevision(models.Model):
    """Each submit of a report, kept as it was (修订记录)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("submission"))
    number = models.PositiveIntegerField(_("revision"))
    data = models.JSONField(_("answers"))
    zero_sections = models.JSONField(_("sections reported as nothing unusual"), default=list, blank=True)
    reasons = models.JSONField(_("reasons for corrected figures"), default=dict, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["submission", "number"]
        constraints = [models.UniqueConstraint(fields=["submission", "number"], name="unique_submission_revision")]

    def __str__(self) -> str:
        return f"{self.submission} #{self.number}"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` an API client sent with a submit: the same key again answers
    with the same submission, the same key with another body is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key_per_user")]

    def __str__(self) -> str:
        return self.key


def summary_path(instance: DailySummary, filename: str) -> str:
    return f"reports/summaries/{instance.day:%Y}/{filename}"


class DailySummary(models.Model):
    """The daily summary (每日疫情防控工作日报) sent upward: a workbook and a document, archived."""

    day = models.DateField(_("day"), unique=True)
    xlsx = models.FileField(_("workbook"), upload_to=summary_path)
    docx = models.FileField(_("document"), upload_to=summary_path)
    expected = models.PositiveIntegerField(_("expected"), default=0)
    submitted = models.PositiveIntegerField(_("submitted"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("daily summary")
        verbose_name_plural = _("daily summaries")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class SummaryLock(models.Model):
    """The office closed a day (锁定): its summary is no longer remade when a late report
    arrives. Kept apart from DailySummary, whose files are made and stored elsewhere."""

    day = models.DateField(_("day"), unique=True)
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("locked summary day")
        verbose_name_plural = _("locked summary days")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class ReportAlertQuerySet(ByUnit, models.QuerySet):
    """Visible with the unit of the submission."""

    visible_unit_field = "submission__unit"


class ReportAlert(models.Model):
    """A report's answer met an alert rule of its form (阳性人数 > 0 …): the office and the
    leaders are told at once, and the dashboard shows it until someone acknowledges it.
    One per submission and field; a revision with another alerting value raises it again."""

    objects = ReportAlertQuerySet.as_manager()

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("submission"))
    field_path = models.CharField(_("field"), max_length=90)
    label = models.CharField(_("question"), max_length=200)
    rule = models.CharField(_("alert rule"), max_length=200)
    value = models.JSONField(_("value"), null=True)
    value_text = models.CharField(_("answer"), max_length=300, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("report alert")
        verbose_name_plural = _("report alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["submission", "field_path"], name="one_alert_per_submission_field")]
        indexes = [models.Index(fields=["acknowledged_at", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.submission} · {self.rule}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
