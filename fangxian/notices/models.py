"""Policy publicity (政策宣传): notices and policies, who must read them, and their read receipts.

A notice (通知) or policy (政策) is written by the prevention office or the publicity
department, addressed to an audience described by the organisation (the whole school, a
campus, units with their subtree, holders of a responsibility, students in the ledger or
under closed management, a list of numbers), published now or at a set time, withdrawn or
left to expire. Publishing resolves the audience once into one receipt (已阅确认) per person;
each revision keeps the previous text as a version, so what changed can be shown.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.org.models import Place, Staff, Student, Unit
from fangxian.org.scope import scope_of


class Kind(models.TextChoices):
    NOTICE = "notice", _("Notice")
    POLICY = "policy", _("Policy")


class SourceLevel(models.TextChoices):
    CENTRAL = "central", _("Central government")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    SCHOOL = "school", _("School")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", pgettext_lazy("notice", "Withdrawn")


def _is_publisher(user) -> bool:
    from .access import is_publisher

    return is_publisher(user)


class NoticeQuerySet(models.QuerySet):
    def in_force(self, at=None):
        """Published, not withdrawn, not expired at `at` (now)."""
        at = at or timezone.now()
        return self.filter(status=Status.PUBLISHED, published_at__lte=at).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))

    def visible_to(self, user):
        """Publishers (the office, the publicity department) see every notice; anyone else
        the notices with a receipt they see (their own, or of people in their scope)."""
        if user is None or not user.is_authenticated:
            return self.none()
        if scope_of(user).everything or _is_publisher(user):
            return self
        receipts = Receipt.objects.visible_to(user).filter(notice_id=OuterRef("pk"))
        return self.filter(Exists(receipts))


class Notice(models.Model):
    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTICE)
    title = models.CharField(pgettext_lazy("message", "title"), max_length=200)
    issuer = models.CharField(_("issuing body"), max_length=100)
    number = models.CharField(_("document number"), max_length=100, blank=True, help_text=_("For example 河西学院防控办〔2022〕5号"))
    source_level = models.CharField(_("source"), max_length=10, choices=SourceLevel.choices, default=SourceLevel.SCHOOL)
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Separated by commas"))
    body = models.TextField(pgettext_lazy("notice", "text"))  # sanitised HTML (services.sanitise)
    body_text = models.TextField(_("plain text"), blank=True, editable=False)  # for search and differences
    is_public = models.BooleanField(_("public"), default=False, help_text=_("Shown on the public page for parents (家校齐心)."))
    requires_ack = models.BooleanField(_("readers must acknowledge"), default=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=100)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3, help_text=_("0: unlimited"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(pgettext_lazy("notice", "withdrawn at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"]), models.Index(fields=["status", "publish_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="notice_pass_mark_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.expires_at and self.publish_at and self.expires_at <= self.publish_at:
            raise ValidationError({"expires_at": _("The notice must expire after it is published.")})

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]

    def is_in_force(self, at=None) -> bool:
        at = at or timezone.now()
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= at
            and (self.expires_at is None or self.expires_at > at)
        )

    @property
    def is_expired(self) -> bool:
        return self.status == Status.PUBLISHED and self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.SCHEDULED, Status.PUBLISHED)


class NoticeVersion(models.Model):
    """The text of a notice as it was before a revision (version `number`), and who revised it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="versions", verbose_name=_("notice"))
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(pgettext_lazy("message", "title"), max_length=200)
    issuer = models.CharField(_("issuing body"), max_length=100)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    body = models.TextField(pgettext_lazy("notice", "text"))
    body_text = models.TextField(_("plain text"), blank=True)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notice version")
        verbose_name_plural = _("notice versions")
        ordering = ["notice", "number"]
        constraints = [models.UniqueConstraint(fields=["notice", "number"], name="unique_notice_version")]

    def __str__(self) -> str:
        return f"{self.notice} v{self.number}"


def attachment_path(instance: Attachment, filename: str) -> str:
    import secrets

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"notices/{secrets.token_hex(16)}.{suffix}"


class Attachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("notice"))
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10)
    size = models.PositiveIntegerField(_("size"))
    file = models.FileField(_("file"), upload_to=attachment_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["notice", "created_at", "id"]

    def __str__(self) -> str:
        return self.name


class AudienceKind(models.TextChoices):
    INSTITUTION = "institution", _("Whole school")
    CAMPUS = "campus", _("Campus")
    UNIT = "unit", _("Unit (with its subtree)")
    ROLE = "role", _("Holders of a responsibility")
    LEDGER = "ledger", _("Students on campus (ledger)")
    CLOSED = "closed", _("Students under closed management")
    LIST = "list", _("A list of student or staff numbers")


class AudienceRule(models.Model):
    """One part of a notice's audience; the audience is the union of its rules. `unit`
    narrows a role, ledger or closed-management rule to a subtree."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="audience", verbose_name=_("notice"))
    kind = models.CharField(_("audience"), max_length=12, choices=AudienceKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("campus"))
    role = models.CharField(_("responsibility held"), max_length=24, blank=True)
    people = models.TextField(_("numbers"), blank=True)

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        ordering = ["notice", "id"]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        from fangxian.org.registry import role_label

        label = str(self.get_kind_display())
        if self.kind == AudienceKind.CAMPUS and self.campus_id:
            return f"{label}：{self.campus.name}"
        if self.kind == AudienceKind.ROLE:
            base = f"{label}：{role_label(self.role)}"
            return f"{base}（{self.unit.name}）" if self.unit_id else base
        if self.kind == AudienceKind.LIST:
            count = len([p for p in self.people.split() if p])
            return f"{label}：{count}"
        if self.unit_id:
            return f"{label}：{self.unit.name}"
        return label


class Question(models.Model):
    """A question that checks a reader understood: choices, and the indexes of the correct ones."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="questions", verbose_name=_("notice"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choices"), default=list)
    correct = models.JSONField(_("correct choices"), default=list)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["notice", "order", "id"]

    def __str__(self) -> str:
        return self.text


class ReceiptQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Your own receipts; the receipts of people in your scope (a counselor: their
        classes); every receipt for the office, leaders, discipline inspection and the
        publicity department."""
        if user is None or not user.is_authenticated:
            return self.none()
        scope = scope_of(user)
        if scope.everything or _is_publisher(user):
            return self
        condition = Q(user=user)
        if scope.unit_paths:
            condition |= Q(unit_id__in=scope.units(Unit.objects.all()).values("pk"))
        students = scope.student_condition("student__")
        if students is not None and not scope.is_empty:
            condition |= Q(student__isnull=False) & students
        return self.filter(condition)

    def done(self):
        return self.filter(read_at__isnull=False)

    def pending(self):
        return self.filter(read_at__isnull=True)


class Receipt(models.Model):
    """One person who must read a notice (已阅确认). `unit` is where the person counts in the
    tree (a student's class, a member of staff's unit) as of publication; `read_at` is set
    when they acknowledge (after passing the questions, if any)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("notice"))
    student = models.ForeignKey(Student, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("student"))
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("staff member"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        ordering = ["notice", "unit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "student"], condition=Q(student__isnull=False), name="unique_receipt_student"),
            models.UniqueConstraint(fields=["notice", "staff"], condition=Q(staff__isnull=False), name="unique_receipt_staff"),
            models.CheckConstraint(
                condition=Q(student__isnull=False, staff__isnull=True) | Q(student__isnull=True, staff__isnull=False),
                name="receipt_for_one_person",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["notice", "unit", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.notice} · {self.person}"

    @property
    def person(self):
        return self.student or self.staff


class Attempt(models.Model):
    """One try at a notice's questions."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="attempt_rows", verbose_name=_("read receipt"))
    answers = models.JSONField(pgettext_lazy("quiz", "answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("score"))
    passed = models.BooleanField(_("passed"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["receipt", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.score}"


class Reminder(models.Model):
    """A re-notification of one receipt on one day: at most one per person and day, however
    many people press the button or consumers run the job (the unique constraint decides)."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("read receipt"))
    day = models.DateField(_("day"))
    batch = models.CharField(max_length=32, db_index=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["receipt", "day"], name="one_reminder_per_receipt_and_day")]

    def __str__(self) -> str:
        return f"{self.receipt_id} · {self.day}"
