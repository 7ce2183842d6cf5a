"""The supervision desk (督查督办): what the platform proposes, what discipline inspection
turns into a 督办 to a unit, the unit's answers, and the confidential accountability records.

- `Finding` (督办事项线索): one proposal of a registered rule (fangxian.core.supervision),
  unique per (rule, key), so the daily derivation can run any number of times on any number
  of consumers without proposing a thing twice. Or a finding of an on-site check, typed in.
- `Case` (督办): a notice to a unit: what, evidence, deadline, the unit's responsible people
  (taken from the assignments when it is sent); it answers, the inspector accepts (办结),
  returns or escalates.
- `Answer` (情况说明 / 整改报告) with attachments checked by fangxian.core.attachments.
- `Accountability` (问责): visible to discipline inspection and school leaders only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.accounts.roles import Role, roles_of
from fangxian.org.models import Staff, Unit
from fangxian.org.visibility import ByUnit


class FindingQuerySet(ByUnit, models.QuerySet):
    """Visible with the unit that must answer."""


class Finding(models.Model):
    """A supervision item proposed by a rule (or found on site), waiting for review."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("To review")
        TAKEN = "taken", _("Turned into a supervision notice")
        DISMISSED = "dismissed", _("Dismissed")

    objects = FindingQuerySet.as_manager()

    rule = models.CharField(_("kind"), max_length=60)
    key = models.CharField(_("key"), max_length=100)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="supervision_findings", verbose_name=_("unit"))
    title = models.CharField(pgettext_lazy("supervision", "title"), max_length=200)
    evidence = models.TextField(_("evidence"), blank=True)
    url = models.CharField(_("evidence page"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("times"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    first_seen = models.DateField(_("first proposed on"))
    last_seen = models.DateField(_("last seen on"))
    dismissed_reason = models.CharField(_("reason for dismissal"), max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("supervision lead")
        verbose_name_plural = _("supervision leads")
        ordering = ["-first_seen", "rule", "key"]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="supervision_one_finding_per_rule_key")]
        indexes = [models.Index(fields=["status", "first_seen"])]

    def __str__(self) -> str:
        return self.title

    @property
    def rule_label(self) -> str:
        from fangxian.core.supervision import supervision_rule

        if self.rule == ONSITE_RULE:
            return str(_("On-site check"))
        rule = supervision_rule(self.rule)
        return str(rule.label) if rule else self.rule


ONSITE_RULE = "onsite"


class CaseQuerySet(ByUnit, models.QuerySet):
    """Visible with the unit it is sent to."""

    def open(self):
        return self.exclude(status=Case.Status.CLOSED)


class Case(models.Model):
    """A 督办 notice to a unit."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting the unit's answer")
        ANSWERED = "answered", _("Answered, awaiting review")
        RETURNED = "returned", _("Returned for changes")
        ESCALATED = "escalated", _("Escalated")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        DERIVED = "derived", _("Derived from the data")
        ONSITE = "onsite", _("On-site check")

    objects = CaseQuerySet.as_manager()

    number = models.CharField(_("number"), max_length=40, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="supervision_cases", verbose_name=_("unit"))
    title = models.CharField(_("matter"), max_length=200)
    requirement = models.TextField(_("what the unit must do"))
    evidence = models.TextField(_("evidence"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.DERIVED)
    findings = models.ManyToManyField(Finding, blank=True, related_name="cases", verbose_name=_("supervision leads"))
    responsible = models.ManyToManyField(Staff, blank=True, related_name="+", verbose_name=_("responsible people"))
    due_at = models.DateTimeField(_("answer by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    first_answered_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    closing_note = models.TextField(_("closing opinion"), blank=True)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"]), models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def answered_on_time(self) -> bool:
        return self.first_answered_at is not None and self.first_answered_at <= self.due_at

    def is_overdue(self, now=None) -> bool:
        """Past its deadline without an answer (or returned and not answered again)."""
        now = now or timezone.now()
        return self.status in (self.Status.OPEN, self.Status.RETURNED, self.Status.ESCALATED) and self.due_at < now


class AnswerQuerySet(ByUnit, models.QuerySet):
    visible_unit_field = "case__unit"


class Answer(models.Model):
    """The unit's answer: a statement (情况说明) or a rectification report (整改报告)."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Statement of the situation")
        RECTIFICATION = "rectification", _("Rectification report")

    class Decision(models.TextChoices):
        PENDING = "", _("Awaiting review")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for changes")
        ESCALATED = "escalated", _("Escalated")

    objects = AnswerQuerySet.as_manager()

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="answers", verbose_name=_("supervision notice"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    text = models.TextField(_("text"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decision = models.CharField(
        pgettext_lazy("supervision", "decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING, blank=True
    )
    decision_note = models.TextField(_("reviewer's opinion"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(pgettext_lazy("supervision", "decided at"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("supervision", "answer")
        verbose_name_plural = pgettext_lazy("supervision", "answers")
        ordering = ["case", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_kind_display()}"


def attachment_path(instance: AnswerAttachment, filename: str) -> str:
    return f"supervision/{instance.answer.case_id}/{filename}"


class AnswerAttachment(models.Model):
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, related_name="attachments", verbose_name=pgettext_lazy("supervision", "answer")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size"), default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["answer", "id"]

    def __str__(self) -> str:
        return self.name


# Who may see accountability records at all: discipline inspection and school leaders.
ACCOUNTABILITY_ROLES = frozenset({Role.DISCIPLINE, Role.LEADER})


class AccountabilityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Confidential: discipline inspection and school leaders see every record, nobody else any."""
        return self if roles_of(user) & ACCOUNTABILITY_ROLES else self.none()


class Accountability(models.Model):
    """A 问责 record: the measure taken against a person, with the 督办 it follows from."""

    class Measure(models.TextChoices):
        REMINDER_TALK = "reminder_talk", _("Reminder talk")
        INTERVIEW = "interview", _("Formal interview")
        ADMONITION = "admonition", _("Admonition talk")
        WRITTEN_REVIEW = "written_review", _("Written self-criticism")
        CIRCULATED = "circulated", _("Circulated criticism")
        OTHER = "other", _("Other measure")

    objects = AccountabilityQuerySet.as_manager()

    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    person = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person"))
    person_name = models.CharField(_("person's name"), max_length=60)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    day = models.DateField(_("date"))
    note = models.TextField(_("facts and reasons"), blank=True)
    cases = models.ManyToManyField(Case, blank=True, related_name="accountabilities", verbose_name=_("supervision notices"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-day", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(person_name=""), name="supervision_accountability_has_person")]

    def __str__(self) -> str:
        return f"{self.person_name} · {self.get_measure_display()}"


class CaseCounter(models.Model):
    """The year's running number of 督办 notices (督办〔2026〕7号), taken under a row lock."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
