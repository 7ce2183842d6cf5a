"""Gate control (校门管理): per-campus access policies, signing keys for personal passes,
leave applications, visits, vehicles, gate devices, the scans they record, and alerts.

Subjects (the holder of a pass) are written as a letter and an id: "S12" a student,
"T7" a member of staff, "V3" a visit. The scans table is append-only and indexed for
time-range queries per gate and per campus; nothing references it with a foreign key, so
that it can be partitioned by month on PostgreSQL (primary key (id, scanned_at)).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.core.sealed import SealedCharField
from fangxian.org.models import Place, Staff, Student
from fangxian.org.visibility import ByCampus, ByStudent


class Category(models.TextChoices):
    """Categories of people (and vehicles) a policy distinguishes. Listed from the most
    specific to the most general: when a person falls in several, the first one decides."""

    STUDENT_CLOSED = "student_closed", _("Students under closed management")
    HOSPITAL_STAFF = "hospital_staff", _("Hospital staff")
    STAFF = "staff", _("Staff")
    STUDENT = "student", _("Students in the ledger")
    CONTRACTOR = "contractor", _("Contractors")
    VISITOR = "visitor", _("Visitors")
    VEHICLE = "vehicle", _("Vehicles")


CATEGORY_PRIORITY = [c.value for c in Category]


class Direction(models.TextChoices):
    IN = "in", _("Entering")
    OUT = "out", _("Leaving")


# For membership tests on the scan path (`.values` builds a new list on every access).
CATEGORIES = frozenset(Category.values)
DIRECTIONS = frozenset(Direction.values)


class Decision(models.TextChoices):
    ALLOW = "allow", _("Allowed")
    PASS = "pass", _("Allowed with an approved pass")
    REFUSE = "refuse", _("Refused")


class PolicyVersion(models.Model):
    """One version of a campus's access policy. Versions are never edited: a change is a
    new version that takes effect at its own time; the one in force is the latest whose
    time has come."""

    campus = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="gate_policies", verbose_name=_("campus"), limit_choices_to={"kind": "campus"}
    )
    number = models.PositiveIntegerField(_("version"))
    effective_at = models.DateTimeField(_("takes effect at"))
    note = models.CharField(_("what changed and why"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("access policy version")
        verbose_name_plural = _("access policy versions")
        ordering = ["campus", "-effective_at", "-number"]
        constraints = [models.UniqueConstraint(fields=["campus", "number"], name="unique_policy_version_per_campus")]
        indexes = [models.Index(fields=["campus", "effective_at"])]

    def __str__(self) -> str:
        return f"{self.campus} v{self.number}"

    def clean(self) -> None:
        super().clean()
        if self.campus_id and self.campus.kind != Place.Kind.CAMPUS:
            raise ValidationError({"campus": _("Choose a campus.")})


class PolicyRule(models.Model):
    """What a category of people may do in one direction, and when. Outside the time
    window (when one is set) the answer is refusal."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="rules")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    window_start = models.TimeField(_("from"), null=True, blank=True)
    window_end = models.TimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy rule")
        verbose_name_plural = _("policy rules")
        ordering = ["version", "category", "direction"]
        constraints = [models.UniqueConstraint(fields=["version", "category", "direction"], name="unique_rule_per_category_direction")]

    def __str__(self) -> str:
        return f"{self.category}/{self.direction}: {self.decision}"

    def clean(self) -> None:
        super().clean()
        if (self.window_start is None) != (self.window_end is None):
            raise ValidationError(_("Give both ends of the time window, or neither."))
        if self.window_start is not None and self.window_start >= self.window_end:
            raise ValidationError(_("The time window must end after it starts."))

    def in_window(self, moment: time) -> bool:
        return self.window_start is None or self.window_start <= moment < self.window_end

    def as_tuple(self) -> tuple:
        return (self.decision, self.window_start, self.window_end)


class SigningKey(models.Model):
    """An ECDSA P-256 key pair that signs personal passes. The newest active key signs;
    retired keys still verify until their passes have expired. The key id travels in
    every pass so that keys can be rotated without a flag day."""

    kid = models.CharField(max_length=16, unique=True)
    private_pem = models.TextField(editable=False)
    public_jwk = models.JSONField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class Revocation(models.Model):
    """While active, every pass of the subject is refused (lost phone, suspicion, leaving)."""

    subject = models.CharField(_("holder"), max_length=16, db_index=True)
    reason = models.CharField(_("reason"), max_length=200)
    revoked_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pass revocation")
        verbose_name_plural = _("pass revocations")
        ordering = ["-revoked_at"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.reason})"


class LeaveApplicationQuerySet(ByStudent, models.QuerySet):
    """Visible with the student (visible_to)."""


class LeaveApplication(models.Model):
    """外出申请: a student under closed management asks to go out. The one-to-one staff
    member approves; an overnight leave also needs the college. The approved window is
    what the gate allows."""

    objects = LeaveApplicationQuerySet.as_manager()

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the responsible staff member")
        COLLEGE = "college", _("Waiting for the college")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="leave_applications", verbose_name=_("student"))
    purpose = models.CharField(_("purpose"), max_length=200)
    destination = models.CharField(_("destination"), max_length=200)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("back by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    staff_decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff_decided_at = models.DateTimeField(null=True, blank=True)
    college_decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    college_decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("leave application")
        verbose_name_plural = _("leave applications")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="leave_ends_after_start",
                violation_error_message=_("The leave must end after it starts."),
            )
        ]
        indexes = [models.Index(fields=["student", "status", "starts_at"]), models.Index(fields=["status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.student} {self.starts_at:%m-%d %H:%M}–{self.ends_at:%m-%d %H:%M}"

    @property
    def overnight(self) -> bool:
        return timezone.localtime(self.ends_at).date() > timezone.localtime(self.starts_at).date()

    def is_overdue(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.APPROVED and self.returned_at is None and self.ends_at < now

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The leave must end after it starts.")})


class VisitQuerySet(ByCampus, models.QuerySet):
    """Visible on the user's campuses, and to the host."""

    visible_staff_field = "host"


class Visit(models.Model):
    """A visitor or contractor expected on a campus between two times, with a host."""

    objects = VisitQuerySet.as_manager()

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the host")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(
        _("kind"), max_length=20, choices=[(Category.VISITOR, Category.VISITOR.label), (Category.CONTRACTOR, Category.CONTRACTOR.label)]
    )
    campus = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="visits", verbose_name=_("campus"), limit_choices_to={"kind": "campus"}
    )
    host = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="hosted_visits", verbose_name=_("host"))
    name = models.CharField(_("visitor's name"), max_length=50)
    id_number = SealedCharField(_("ID number"), max_length=18)
    phone = SealedCharField(_("phone"), max_length=20, blank=True)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    token = models.CharField(max_length=43, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="visit_ends_after_start",
                violation_error_message=_("The visit must end after it starts."),
            )
        ]
        indexes = [models.Index(fields=["campus", "starts_at"]), models.Index(fields=["host", "status"])]

    def __str__(self) -> str:
        return f"{self.name} → {self.host}"

    @property
    def subject(self) -> str:
        return f"V{self.pk}"

    @property
    def id_number_masked(self) -> str:
        from fangxian.core import idnumber

        return idnumber.mask(self.id_number) if self.id_number else ""

    def clean(self) -> None:
        super().clean()
        from fangxian.core import idnumber

        if self.id_number:
            self.id_number = idnumber.normalize(self.id_number)
            reason = idnumber.problem(self.id_number)
            if reason:
                raise ValidationError({"id_number": idnumber.MESSAGES[reason]})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The visit must end after it starts.")})
        if self.campus_id and self.campus.kind != Place.Kind.CAMPUS:
            raise ValidationError({"campus": _("Choose a campus.")})

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)


class VehicleQuerySet(ByCampus, models.QuerySet):
    """Visible on the user's campuses; a vehicle of no campus (of every campus) to everyone."""

    visible_without_campus = True


class Vehicle(models.Model):
    """A registered plate (staff car, delivery, hospital vehicle) with a time window."""

    objects = VehicleQuerySet.as_manager()

    plate = models.CharField(_("plate"), max_length=10, db_index=True)
    owner = models.CharField(_("owner or company"), max_length=100)
    campus = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vehicles",
        verbose_name=_("campus"),
        help_text=_("Empty: every campus."),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["plate", "-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="vehicle_ends_after_start",
                violation_error_message=_("The window must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.plate

    def clean(self) -> None:
        super().clean()
        from .plates import normalize_plate, plate_problem

        self.plate = normalize_plate(self.plate)
        if plate_problem(self.plate):
            raise ValidationError({"plate": _("This is not a Chinese licence plate (e.g. 甘G12345 or 甘GD12345).")})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The window must end after it starts.")})


def hash_device_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Device(models.Model):
    """A gate device (phone, tablet, turnstile) with its own bearer token; only the hash
    is stored. Withdrawing the token refuses the device at once."""

    PREFIX = "fxg_"

    gate = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="gate_devices", verbose_name=_("gate"), limit_choices_to={"kind": "gate"}
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("gate device")
        verbose_name_plural = _("gate devices")
        ordering = ["gate", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"


class ScanQuerySet(ByCampus, models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Gate scans are append-only.")

    def delete(self):
        raise TypeError("Gate scans are append-only.")


class Scan(models.Model):
    """One scan at a gate, allowed or refused. Append-only."""

    class Verdict(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        REFUSED = "refused", _("Refused")
        # A typed number is never a verdict by itself: the guard must check the person.
        VERIFY = "verify", _("Verify in person")

    class Method(models.TextChoices):
        PASS = "pass", _("Pass (QR)")
        NUMBER = "number", _("Student or staff number")
        ID_NUMBER = "id_number", _("ID number")
        PLATE = "plate", _("Plate")
        # The guard saw the person (name and photo) after a typed number and let them through.
        CONFIRMED = "confirmed", _("Typed number, confirmed in person by the guard")

    scan_id = models.UUIDField(unique=True, help_text="Generated by the station: a retried or re-sent scan is stored once.")
    # Every scan writes each index of this, the largest table: campus and gate are looked up
    # through the (campus, scanned_at) and (gate, scanned_at) indexes below, not their own.
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_index=False)
    gate = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="gate_scans", db_index=False)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    subject = models.CharField(max_length=16, blank=True)
    category = models.CharField(max_length=20, blank=True)
    display_name = models.CharField(max_length=60, blank=True)
    plate = models.CharField(max_length=10, blank=True)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    reason = models.CharField(max_length=24)
    # The pass's nonce, as read; a used one is looked up by `used_nonce` (hence no index here).
    nonce = models.CharField(max_length=24, blank=True)
    used_nonce = models.CharField(max_length=24, null=True, unique=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    guard = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    offline = models.BooleanField(default=False)
    station_verdict = models.CharField(max_length=8, blank=True)
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    objects = ScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("gate scan")
        verbose_name_plural = _("gate scans")
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["gate", "scanned_at"]),
            models.Index(fields=["campus", "scanned_at"]),
            models.Index(fields=["subject", "scanned_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.gate_id} {self.direction} {self.subject} {self.verdict}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Gate scans are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Gate scans are append-only.")


class GateAlertQuerySet(ByCampus, models.QuerySet):
    """Visible on the user's campuses, and to the member of staff it is addressed to."""

    visible_staff_field = "recipient"


class GateAlert(models.Model):
    """Something a person must look at: a refused attempt, a pass used at two gates within
    a minute, a student not back from leave."""

    objects = GateAlertQuerySet.as_manager()

    class Kind(models.TextChoices):
        REFUSED = "refused", _("Refused attempt")
        TWO_GATES = "two_gates", _("Same pass at two gates within a minute")
        OVERDUE = "overdue", _("Not back from leave")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject = models.CharField(max_length=16, blank=True)
    scan_pk = models.BigIntegerField(null=True, blank=True, help_text="Scan id (no foreign key: scans may be partitioned).")
    leave = models.ForeignKey(LeaveApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts")
    recipient = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("gate alert")
        verbose_name_plural = _("gate alerts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["campus", "created_at"]), models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return self.message
