"""Hazard inspections (安全隐患排查) and rectification (整改).

Checklists are versioned: a campaign freezes the versions it uses, and an inspection's
answers point at the items of that version, so changing a checklist never rewrites what was
inspected. A campaign lists its places (CampaignPlace) with the inspector and the person
responsible; an inspection of a place is a draft until submitted; every failed item of a
submitted inspection becomes a finding with a level, an owner and a deadline (on the
deadline engine), which the owner rectifies and the inspector verifies.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.org.models import Place, Staff, Unit


class PlaceCategory(models.TextChoices):
    """What kind of place a checklist is for."""

    LAB = "lab", _("Laboratory")
    DORM = "dorm", _("Dormitory building")
    PIPE = "pipe", _("Pipe network")
    KITCHEN = "kitchen", _("Kitchen or canteen")
    GENERAL = "general", _("Other places")


class Level(models.TextChoices):
    GENERAL = "general", _("General hazard")
    LARGER = "larger", _("Larger hazard")
    MAJOR = "major", _("Major hazard")


# How long the owner has to rectify, by level (the deadline the finding gets by default).
DEADLINE_BY_LEVEL = {Level.GENERAL: timedelta(days=7), Level.LARGER: timedelta(days=3), Level.MAJOR: timedelta(days=1)}
LEVEL_ORDER = {Level.MAJOR: 0, Level.LARGER: 1, Level.GENERAL: 2}


class HazardQuerySet(models.QuerySet):
    """Scope for hazard rows: the whole institution for the office, leaders, discipline
    inspection and the checklist keepers (security office, hazard officers); for everyone
    else the rows on the places and units in their org scope, and the rows that name them
    (the inspector, the owner)."""

    place_field = "place"
    unit_field = "unit"
    staff_fields: tuple[str, ...] = ()

    def visible_to(self, user):
        from fangxian.org.scope import scope_of

        from .access import sees_everything

        if user is None or not user.is_authenticated:
            return self.none()
        if sees_everything(user):
            return self
        scope = scope_of(user)
        condition = Q(pk__in=[])
        if scope.place_paths:
            condition |= Q(**{f"{self.place_field}__in": Place.objects.under_any(scope.place_paths).values("pk")})
        if scope.unit_paths and self.unit_field:
            condition |= Q(**{f"{self.unit_field}__in": Unit.objects.under_any(scope.unit_paths).values("pk")})
        if scope.staff_id:
            for name in self.staff_fields:
                condition |= Q(**{f"{name}_id": scope.staff_id})
        return self.filter(condition)


class Checklist(models.Model):
    """A checklist kept for one kind of place; its items live in versions."""

    category = models.CharField(_("kind of place"), max_length=16, choices=PlaceCategory.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("A short fixed name, e.g. lab-2022."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> ChecklistVersion | None:
        return self.versions.order_by("-number").first()


class ChecklistVersion(models.Model):
    """One version of a checklist's items; never edited once created (a change is a new version)."""

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="versions", verbose_name=_("checklist"))
    number = models.PositiveIntegerField(_("version"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["checklist", "-number"]
        constraints = [models.UniqueConstraint(fields=["checklist", "number"], name="hazards_unique_checklist_version")]

    def __str__(self) -> str:
        return f"{self.checklist.name} v{self.number}"


class ChecklistItem(models.Model):
    version = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="items", verbose_name=_("version"))
    position = models.PositiveIntegerField(_("position"))
    section = models.CharField(_("section"), max_length=50, blank=True)
    text = models.CharField(_("item"), max_length=300)
    reading = models.BooleanField(_("meter reading"), default=False, help_text=_("The inspector may record a meter reading."))
    reading_unit = models.CharField(_("reading unit"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="hazards_unique_item_position")]

    def __str__(self) -> str:
        return self.text


class Recurrence(models.TextChoices):
    NONE = "", _("Once")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Campaigns the user sees: all for the whole-institution readers and the keepers;
        otherwise those with a place the user sees."""
        from .access import sees_everything

        if user is None or not user.is_authenticated:
            return self.none()
        if sees_everything(user):
            return self
        return self.filter(pk__in=CampaignPlace.objects.visible_to(user).values("campaign_id"))


class Campaign(models.Model):
    """A special inspection (专项检查): a window, the checklist version for each kind of
    place, and the places it covers. A recurring campaign repeats as a new campaign of the
    same series when its window has passed."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    recurrence = models.CharField(_("repeats"), max_length=16, choices=Recurrence.choices, blank=True, default="")
    series = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="repeats", verbose_name=_("first of the series")
    )
    occurrence = models.PositiveIntegerField(_("occurrence"), default=1)
    lab_version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("checklist for labs")
    )
    dorm_version = models.ForeignKey(
        ChecklistVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checklist for dormitory buildings"),
    )
    building_version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("checklist for other buildings")
    )
    campus_version = models.ForeignKey(
        ChecklistVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checklist for the campus pipe network"),
    )
    # What it covers, kept so that a repeat covers the same (places are resolved again).
    campuses = models.ManyToManyField(Place, blank=True, related_name="+", verbose_name=_("whole campuses"))
    buildings = models.ManyToManyField(Place, blank=True, related_name="+", verbose_name=_("buildings"))
    all_labs = models.BooleanField(_("every lab"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="hazards_campaign_ends_after_start",
                violation_error_message=_("The campaign cannot end before it starts."),
            ),
            models.UniqueConstraint(fields=["series", "occurrence"], name="hazards_unique_occurrence"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.starts_on <= timezone.localdate() <= self.ends_on

    def version_for(self, category: str) -> ChecklistVersion | None:
        return {
            PlaceCategory.LAB: self.lab_version,
            PlaceCategory.DORM: self.dorm_version,
            PlaceCategory.GENERAL: self.building_version,
            PlaceCategory.KITCHEN: self.building_version,
            PlaceCategory.PIPE: self.campus_version,
        }.get(category)


class CampaignPlaceQuerySet(HazardQuerySet):
    staff_fields = ("inspector", "owner")


class CampaignPlace(models.Model):
    """One place a campaign covers: the checklist version, the inspector (from an
    assignment or named by hand), the person responsible and their unit."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="places", verbose_name=_("campaign"))
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("place"))
    version = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("checklist"))
    inspector = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("inspector"))
    inspector_by_hand = models.BooleanField(_("named by hand"), default=False)
    owner = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person responsible")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("campus"))

    objects = CampaignPlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place to inspect")
        verbose_name_plural = _("places to inspect")
        ordering = ["campaign", "place__path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "place"], name="hazards_unique_campaign_place")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.place}"


class InspectionQuerySet(HazardQuerySet):
    place_field = "campaign_place__place"
    unit_field = "campaign_place__unit"
    staff_fields = ("inspector", "campaign_place__owner")


class Inspection(models.Model):
    """The inspection of one campaign place: a draft (answers saved as they are given, from
    a phone on a poor network) until the inspector submits it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("inspection", "Submitted")

    campaign_place = models.OneToOneField(CampaignPlace, on_delete=models.CASCADE, related_name="inspection", verbose_name=_("place"))
    inspector = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    updated_at = models.DateTimeField(_("saved at"), default=timezone.now)
    submitted_at = models.DateTimeField(pgettext_lazy("inspection", "submitted at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return str(self.campaign_place)


class Result(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")


class Answer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers", verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reading = models.DecimalField(_("meter reading"), max_digits=14, decimal_places=3, null=True, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("inspection", "answer")
        verbose_name_plural = pgettext_lazy("inspection", "answers")
        ordering = ["inspection", "item__position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="hazards_unique_answer")]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_result_display() or '—'}"


class AnswerPhoto(models.Model):
    """A photo taken for an answer; `token` (made by the phone) makes a retried upload land once."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="photos", verbose_name=pgettext_lazy("inspection", "answer"))
    image = models.ImageField(_("photo"), upload_to="hazards/", editable=False)
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["answer", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["answer", "token"], name="hazards_unique_photo_token")]

    def __str__(self) -> str:
        return f"photo {self.pk}"


class FindingQuerySet(HazardQuerySet):
    staff_fields = ("owner", "inspection__inspector")

    def overdue(self, now=None):
        return self.filter(status=Finding.Status.OPEN, due_at__lt=now or timezone.now())

    def unresolved(self):
        return self.exclude(status=Finding.Status.CLOSED)


class Finding(models.Model):
    """A hazard (隐患) found by a failed item: rectified by its owner, verified by the inspector."""

    class Status(models.TextChoices):
        OPEN = "open", _("To rectify")
        REPORTED = "reported", _("Rectified, to verify")
        CLOSED = "closed", pgettext_lazy("finding", "Closed")

    answer = models.OneToOneField(
        Answer, on_delete=models.PROTECT, related_name="finding", verbose_name=pgettext_lazy("inspection", "answer")
    )
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings", verbose_name=_("inspection"))
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="findings", verbose_name=_("campaign"))
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("place"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("campus"))
    title = models.CharField(_("hazard"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.GENERAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person responsible")
    )
    due_at = models.DateTimeField(_("rectify by"))
    created_at = models.DateTimeField(_("found at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    returned_count = models.PositiveIntegerField(_("times returned"), default=0)
    incident_url = models.CharField(_("incident"), max_length=300, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("created_at")),
                name="hazards_finding_due_after_found",
                violation_error_message=_("The deadline must be after the time the hazard was found."),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.place} · {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()


class FindingEventQuerySet(HazardQuerySet):
    place_field = "finding__place"
    unit_field = "finding__unit"
    staff_fields = ("finding__owner", "finding__inspection__inspector")


class FindingEvent(models.Model):
    """What happened to a finding: reported, returned, closed, owner or deadline changed."""

    class Kind(models.TextChoices):
        FOUND = "found", _("Found")
        REPORTED = "reported", _("Rectification reported")
        RETURNED = "returned", _("Returned for more work")
        CLOSED = "closed", _("Verified and closed")
        OWNER = "owner", _("Person responsible changed")
        DEADLINE = "deadline", _("Deadline changed")
        LEVEL = "level", _("Level changed")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events", verbose_name=_("finding"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    token = models.CharField(max_length=64, blank=True, default="")

    objects = FindingEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding event")
        verbose_name_plural = _("finding events")
        ordering = ["finding", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "token"], condition=~Q(token=""), name="hazards_unique_event_token"),
        ]

    def __str__(self) -> str:
        return f"{self.finding} · {self.get_kind_display()}"


class EventPhoto(models.Model):
    """A photo of a rectification (what was done)."""

    event = models.ForeignKey(FindingEvent, on_delete=models.CASCADE, related_name="photos", verbose_name=_("event"))
    image = models.ImageField(_("photo"), upload_to="hazards/", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("rectification photo")
        verbose_name_plural = _("rectification photos")
        ordering = ["event", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk}"
