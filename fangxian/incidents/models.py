"""Incident reports (突发事件信息报告).

An `Incident` is reported by a person on duty (or the office) in a minute from a phone: its
kind and level (the lists of `fangxian.core.incidents`), where and when it happened, who is
involved and what happened. From then on its clocks run (see deadlines.py): the office must
acknowledge the first report (首报), a written report follows, then follow-up reports (续报)
until a closing report (终报) closes it. Every report after the first is an `Update` on the
incident's timeline.

The per-level time limits are the office's (`TimeLimit`, one row per level; `Policy` holds the
earliest date an incident may be dated). An incident opened by another app (a 重大 hazard, an
abnormal pooled tube) carries that app's `source`, unique, so asking twice opens it once.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.incidents import EPIDEMIC_KINDS, KINDS, LEVELS
from fangxian.core.sealed import SealedCharField
from fangxian.org.models import Assignment, Place, Staff, Student, Unit
from fangxian.org.scope import scope_of


class Kind(models.TextChoices):
    FEVER = "fever", _("Fever")
    POSITIVE = "positive", _("Positive test")
    CLOSE_CONTACT = "close_contact", _("Close contact")
    MISSING = "missing", _("Student missing")
    FIRE = "fire", _("Fire")
    LEAK = "leak", _("Water or pipe leak")
    LAB = "lab", _("Laboratory safety")
    INJURY = "injury", _("Personal injury")
    UNREST = "unrest", _("Mass incident")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    GENERAL = "general", pgettext_lazy("incident level", "General")
    LARGER = "larger", pgettext_lazy("incident level", "Larger")
    MAJOR = "major", pgettext_lazy("incident level", "Major")
    ESPECIALLY_MAJOR = "especially_major", pgettext_lazy("incident level", "Especially major")


assert tuple(Kind.values) == KINDS and tuple(Level.values) == LEVELS  # the shared lists of fangxian.core.incidents


def is_epidemic(kind: str) -> bool:
    return kind in EPIDEMIC_KINDS


class IncidentQuerySet(models.QuerySet):
    """Scope: an incident belongs to its unit (the reporting unit) and its place; a user sees
    it when either is in their scope, and always sees what they reported themselves. The
    office, school leaders and discipline inspection see every incident. A person on duty sees
    the incidents of the unit they are on duty for (and its subunits) while on duty: the duty
    posts themselves grant no wider scope (a night at the duty desk is no reason to read every
    student's record), but the incidents of the desk are its work."""

    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.is_empty and not scope.staff_id:
            return self.none()
        condition = Q(reported_by_id=user.pk)
        if scope.staff_id:
            from .access import ON_DUTY_ROLES

            posts = Assignment.objects.active_at(timezone.now()).filter(staff_id=scope.staff_id, role__in=ON_DUTY_ROLES, unit__isnull=False)
            for path in sorted(set(posts.values_list("unit__path", flat=True))):
                condition |= Q(unit__path__startswith=path)
        if scope.unit_paths:
            condition |= Q(unit__in=scope.units(Unit.objects.all()).values("pk"))
        if scope.place_paths:
            condition |= Q(place__in=scope.places(Place.objects.all()).values("pk"))
        return self.filter(condition)

    def open(self):
        return self.exclude(status=Incident.Status.CLOSED)


class Incident(models.Model):
    """One incident (突发事件) and its first report (首报)."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Awaiting acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", pgettext_lazy("incident", "Closed")

    kind = models.CharField(_("incident type"), max_length=16, choices=Kind.choices)
    level = models.CharField(pgettext_lazy("incident", "level"), max_length=16, choices=Level.choices, default=Level.GENERAL)
    title = models.CharField(_("incident title"), max_length=120)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    occurred_at = models.DateTimeField(_("time it happened"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reporting unit"))
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("location"))
    place_detail = models.CharField(_("where exactly"), max_length=200, blank=True)
    description = models.TextField(pgettext_lazy("incident", "what happened"))
    measures = models.TextField(_("measures taken"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    students = models.ManyToManyField(Student, blank=True, related_name="+", verbose_name=_("students involved"))
    staff = models.ManyToManyField(Staff, blank=True, related_name="+", verbose_name=_("staff involved"))
    others = models.TextField(_("other people involved"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("reported by")
    )
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = SealedCharField(_("contact phone"), max_length=20, blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    written_at = models.DateTimeField(_("written report at"), null=True, blank=True)
    last_report_at = models.DateTimeField(_("last report at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closing report at"), null=True, blank=True)
    # "app.model:pk" of what asked for the incident (fangxian.core.incidents), and its page.
    source = models.CharField(_("source"), max_length=100, blank=True, default="")
    source_url = models.CharField(_("source page"), max_length=300, blank=True, default="")
    # The key a form or an API client sends with a report: sent twice, it reports once.
    request_key = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("reported incident")
        verbose_name_plural = _("reported incidents")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source"], condition=~Q(source=""), name="one_incident_per_source"),
            models.UniqueConstraint(
                fields=["reported_by", "request_key"], condition=~Q(request_key=""), name="one_incident_per_request_key"
            ),
            models.CheckConstraint(condition=Q(reported_at__gte=models.F("occurred_at")), name="incident_reported_after_it_happened"),
        ]
        indexes = [models.Index(fields=["status", "level"], name="incident_open_level")]

    def __str__(self) -> str:
        return f"{self.title} · {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def limit(self) -> TimeLimit:
        return TimeLimit.for_level(self.level)

    @property
    def reported_late(self) -> bool:
        """The first report reached the platform after the level's 首报 limit."""
        return self.reported_at > self.occurred_at + timedelta(minutes=self.limit.first_minutes)

    @property
    def where(self) -> str:
        parts = [self.place.name if self.place_id else "", self.place_detail]
        return " · ".join(p for p in parts if p) or "—"


class Update(models.Model):
    """A report on the incident's timeline after the first: the written report (书面报告),
    a follow-up report (续报) or the closing report (终报)."""

    class Kind(models.TextChoices):
        WRITTEN = "written", _("Written report")
        FOLLOWUP = "followup", _("Follow-up report")
        FINAL = "final", _("Closing report")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates", verbose_name=_("reported incident"))
    kind = models.CharField(_("report type"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("progress"))
    measures = models.TextField(_("measures taken"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    author_name = models.CharField(_("reporter"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["incident"], condition=Q(kind="final"), name="one_final_report_per_incident")]

    def __str__(self) -> str:
        return f"{self.incident_id} · {self.get_kind_display()} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class Photo(models.Model):
    """A photo of the incident (the scene, the damage), cleaned by fangxian.org.photos."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos", verbose_name=_("reported incident"))
    image = models.FileField(_("photo"), upload_to="incidents/", max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("incident photo")
        verbose_name_plural = _("incident photos")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} · {self.image.name}"


# Defaults of the time limits when the office has not set them: (首报, written, 续报 every … hours, acknowledge).
DEFAULT_LIMITS = {
    Level.GENERAL: (30, 120, 24, 15),
    Level.LARGER: (30, 120, 24, 15),
    Level.MAJOR: (15, 60, 12, 10),
    Level.ESPECIALLY_MAJOR: (15, 60, 6, 10),
}


class TimeLimit(models.Model):
    """The time limits of one level, set by the office."""

    level = models.CharField(pgettext_lazy("incident", "level"), max_length=16, choices=Level.choices, unique=True)
    first_minutes = models.PositiveIntegerField(_("first report (verbal) within minutes"), default=30)
    written_minutes = models.PositiveIntegerField(_("written report within minutes"), default=120)
    followup_hours = models.PositiveIntegerField(_("follow-up report every hours"), default=24)
    acknowledge_minutes = models.PositiveIntegerField(_("office acknowledges within minutes"), default=15)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident time limit")
        verbose_name_plural = _("incident time limits")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_minutes__gte=1, written_minutes__gte=1, followup_hours__gte=1), name="time_limits_positive"
            )
        ]

    def __str__(self) -> str:
        return str(self.get_level_display())

    @classmethod
    def for_level(cls, level: str) -> TimeLimit:
        row = cls.objects.filter(level=level).first()
        if row is not None:
            return row
        first, written, followup, acknowledge = DEFAULT_LIMITS[Level(level)]
        return cls(level=level, first_minutes=first, written_minutes=written, followup_hours=followup, acknowledge_minutes=acknowledge)

    @classmethod
    def all_levels(cls) -> list[TimeLimit]:
        return [cls.for_level(level) for level in Level.values]


class Policy(models.Model):
    """The office's settings for incidents (one row)."""

    earliest_date = models.DateField(_("earliest date of an incident"), default=date(2020, 1, 1))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident policy")
        verbose_name_plural = _("incident policies")

    def __str__(self) -> str:
        return str(self.earliest_date)

    @classmethod
    def current(cls) -> Policy:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
