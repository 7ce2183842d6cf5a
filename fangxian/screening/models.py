"""Screening rounds (检测批次, 核酸检测): who must be tested on a day (a snapshot of the
ledger's population and staff groups), where and when (sampling sites with time slots),
the samplings (采样) into tubes, pooled or single (混管 10-in-1 / 20-in-1), and the lab's
results.

A round's members are written once, when the round is created, from the ledger on the
round's day: coverage (expected / sampled / missing) is then a grouped count over one
table, and a member's `sampled_at` says "sampled" without a join.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.org.models import Place, Staff, Student, Unit
from fangxian.org.scope import scope_of
from fangxian.org.visibility import WholeInstitution


class Kind(models.TextChoices):
    NUCLEIC = "nucleic", _("Nucleic acid test")
    ANTIGEN = "antigen", _("Antigen test")
    OTHER = "other", _("Other screening")


class Result(models.TextChoices):
    PENDING = "pending", _("Waiting for the result")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    ABNORMAL = "abnormal", _("Abnormal")


SAMPLER = "sampler"  # the assignment role key (roles.py)
FLAGGED = (Result.POSITIVE, Result.ABNORMAL)
POOL_SIZES = ((1, _("Single tube")), (10, _("Pooled 10-in-1")), (20, _("Pooled 20-in-1")))


def _member_condition(user, prefix: str = "") -> Q | None:
    """Members the user sees: students in their scope, staff of their units, themselves."""
    scope = scope_of(user)
    if scope.everything:
        return None
    condition = Q(**{f"{prefix}student__isnull": False}) & scope.student_condition(f"{prefix}student__")
    condition |= Q(**{f"{prefix}staff__in": scope.staff(Staff.objects.all()).values("pk")})
    return condition


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office sees every round; others the rounds with someone in their scope, or
        whose sampling sites they are posted to as samplers."""
        condition = _member_condition(user)
        if condition is None:
            return self
        staff_id = scope_of(user).staff_id
        visible = Q(pk__in=Member.objects.filter(condition).values("round_id"))
        if staff_id:
            from fangxian.org.models import Assignment

            held = list(Assignment.objects.active_now().filter(role=SAMPLER, staff_id=staff_id).values_list("place__path", flat=True))
            if held:
                visible |= Q(pk__in=Slot.objects.filter(place__in=Place.objects.under_any([p for p in held if p])).values("round_id"))
        return self.filter(visible)


class Round(models.Model):
    """A screening round (检测批次): one day's test of a population, at sampling sites in a
    time window. A round that repeats makes its next one (`previous`) every `repeat_days`."""

    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NUCLEIC)
    kind_note = models.CharField(_("test"), max_length=50, blank=True, help_text=_("For other screenings, e.g. TB screening."))
    day = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("sampling from"))
    ends_at = models.DateTimeField(_("sampling until"))
    include_students = models.BooleanField(_("students on campus"), default=True)
    campus = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("campus"),
        limit_choices_to={"kind": "campus"},
    )
    category_code = models.CharField(_("student category"), max_length=40, blank=True)
    category_name = models.CharField(max_length=50, blank=True, editable=False)
    staff_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("staff of units"))
    pool_size = models.PositiveSmallIntegerField(_("tube"), choices=POOL_SIZES, default=10)
    repeat_days = models.PositiveSmallIntegerField(_("repeat every (days)"), default=0, help_text=_("0: once."))
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_round", verbose_name=_("previous round")
    )
    expected = models.PositiveIntegerField(default=0, editable=False)
    tasks_planned = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="screening_round_ends_after_start"),
            models.UniqueConstraint(fields=["institution", "name"], name="unique_screening_round_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return self.kind_note or self.get_kind_display()

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.starts_at <= at <= self.ends_at


class SlotQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(round__in=Round.objects.visible_to(user))


class Slot(models.Model):
    """A sampling site (采样点, a place of the spatial tree) open in a time slot of a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="slots", verbose_name=_("screening round"))
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("sampling site"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampling slot")
        verbose_name_plural = _("sampling slots")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="screening_slot_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.place} {timezone.localtime(self.starts_at):%H:%M}–{timezone.localtime(self.ends_at):%H:%M}"


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        condition = _member_condition(user)
        return self if condition is None else self.filter(condition)

    def missing(self):
        return self.filter(sampled_at__isnull=True)


class Member(models.Model):
    """Someone a round must test (应检人员): a student from the ledger or a member of staff,
    with where they belong for the coverage (college or unit, class, dorm building) and
    their slot."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="members", verbose_name=_("screening round"))
    student = models.ForeignKey(Student, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("student"))
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("staff member"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"), db_constraint=False)
    klass = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("class"), db_constraint=False
    )
    building = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("building"), db_constraint=False
    )
    slot = models.ForeignKey(Slot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("slot"))
    sampled_at = models.DateTimeField(_("sampled at"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("person to be tested")
        verbose_name_plural = _("people to be tested")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "student"], condition=Q(student__isnull=False), name="screening_member_once_student"),
            models.UniqueConstraint(fields=["round", "staff"], condition=Q(staff__isnull=False), name="screening_member_once_staff"),
            models.CheckConstraint(
                condition=Q(student__isnull=False, staff__isnull=True) | Q(student__isnull=True, staff__isnull=False),
                name="screening_member_student_or_staff",
            ),
        ]
        indexes = [models.Index(fields=["round", "sampled_at"]), models.Index(fields=["student", "round"])]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def person(self):
        return self.student if self.student_id else self.staff

    @property
    def number(self) -> str:
        return self.student.student_number if self.student_id else self.staff.staff_number


class TubeQuerySet(models.QuerySet):
    def visible_to(self, user):
        condition = _member_condition(user, "samples__member__")
        if condition is None:
            return self
        return self.filter(Q(pk__in=Tube.objects.filter(condition).values("pk")) | Q(sampler=user))


class Tube(models.Model):
    """A sampling tube (试管): single, or pooled (混管) for up to 10 or 20 people. Its number
    is the lab's barcode, unique across rounds."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tubes", verbose_name=_("screening round"))
    number = models.CharField(_("tube number"), max_length=40, unique=True)
    capacity = models.PositiveSmallIntegerField(_("tube"), choices=POOL_SIZES, default=10)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("sampling site"))
    sampler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("sampler")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    size = models.PositiveSmallIntegerField(_("samples"), default=0)
    result = models.CharField(_("test result"), max_length=10, choices=Result.choices, default=Result.PENDING, db_index=True)
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)
    incident_url = models.CharField(_("incident"), max_length=300, blank=True)

    objects = TubeQuerySet.as_manager()

    class Meta:
        verbose_name = _("tube")
        verbose_name_plural = _("tubes")
        ordering = ["round", "number"]
        constraints = [models.CheckConstraint(condition=Q(size__lte=F("capacity")), name="screening_tube_not_overfull")]

    def __str__(self) -> str:
        return self.number

    @property
    def flagged(self) -> bool:
        return self.result in FLAGGED


class SampleQuerySet(models.QuerySet):
    def visible_to(self, user):
        condition = _member_condition(user, "member__")
        return self if condition is None else self.filter(condition | Q(sampled_by=user))


class Sample(models.Model):
    """One person's sampling (采样) in a round: into which tube, where, when, by whom, and
    their result (the tube's, or their own from a single retest)."""

    class How(models.TextChoices):
        PASS = "pass", _("Pass scanned")
        TYPED = "typed", _("Number typed")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="samples", verbose_name=_("screening round"))
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="sample", verbose_name=_("person to be tested"))
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="samples", verbose_name=_("tube"))
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("sampling site"))
    sampled_at = models.DateTimeField(_("sampled at"), default=timezone.now)
    sampled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("sampler")
    )
    how = models.CharField(_("identified by"), max_length=5, choices=How.choices, default=How.PASS)
    result = models.CharField(_("test result"), max_length=10, choices=Result.choices, default=Result.PENDING, db_index=True)

    objects = SampleQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampling")
        verbose_name_plural = _("samplings")
        ordering = ["sampled_at", "id"]
        indexes = [models.Index(fields=["tube", "result"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.tube}"


class ResultImportQuerySet(WholeInstitution, models.QuerySet):
    pass


class ResultImport(models.Model):
    """A lab's result file imported into a round; the same file twice is recognised by its
    SHA-256 and changes nothing."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="imports", verbose_name=_("screening round"))
    lab = models.CharField(_("lab"), max_length=100)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    changed = models.PositiveIntegerField(_("results changed"), default=0)
    flagged = models.PositiveIntegerField(_("abnormal tubes"), default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ResultImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("result import")
        verbose_name_plural = _("result imports")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["round", "file_sha256"], name="screening_result_file_once")]

    def __str__(self) -> str:
        return f"{self.round} · {self.file_name}"


class LabMappingQuerySet(WholeInstitution, models.QuerySet):
    pass


class LabMapping(models.Model):
    """Which columns of a lab's result file hold what (mapped once, remembered per lab)."""

    class Key(models.TextChoices):
        TUBE = "tube", _("Tube number")
        ID_NUMBER = "id_number", _("ID number")

    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    lab = models.CharField(_("lab"), max_length=100)
    key_kind = models.CharField(_("rows are matched by"), max_length=10, choices=Key.choices, default=Key.TUBE)
    key_header = models.CharField(_("column of the tube number or ID number"), max_length=50)
    result_header = models.CharField(_("column of the result"), max_length=50)
    used_at = models.DateTimeField(default=timezone.now)

    objects = LabMappingQuerySet.as_manager()

    class Meta:
        verbose_name = _("lab column mapping")
        verbose_name_plural = _("lab column mappings")
        ordering = ["-used_at", "lab"]
        constraints = [models.UniqueConstraint(fields=["institution", "lab"], name="screening_lab_mapping_once")]

    def __str__(self) -> str:
        return self.lab
