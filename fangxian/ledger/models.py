"""The stay ledger (留校学生台账): stay periods, applications, ledger entries with dated
status history, classification tags, bed history and dorm-move plans.

History tables keep half-open day intervals [valid_from, valid_to): a row is in force on
day D when valid_from <= D < valid_to, and the current row ends on FOREVER. "Who was on
campus on D" is then one indexed range query over `StatusSpell`, whose rows carry the
college, class, campus and building they were in, so the counts group without joins.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core.sealed import SealedCharField
from fangxian.org.models import Place, Student, Unit
from fangxian.org.visibility import ByStudent, WholeInstitution

FOREVER = date(9999, 12, 31)


class StayPeriod(models.Model):
    """A stay period (留校期), e.g. 2022 暑假 from 7月10日 to 8月31日, opened by the
    prevention office with the reasons it accepts."""

    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    is_open = models.BooleanField(_("open for applications"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("stay period")
        verbose_name_plural = _("stay periods")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="stay_period_ends_after_start"),
            models.UniqueConstraint(fields=["institution", "name"], name="unique_stay_period_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class StayReason(models.Model):
    """A reason for staying (留校事由) that the office accepts in a period: 实习, 考研, 科研 …"""

    period = models.ForeignKey(StayPeriod, on_delete=models.CASCADE, related_name="reasons", verbose_name=_("stay period"))
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("accepted"), default=True)

    class Meta:
        verbose_name = _("stay reason")
        verbose_name_plural = _("stay reasons")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["period", "name"], name="unique_stay_reason_per_period")]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A classification of students (学生分类): closed management (封闭管理), a special group
    (特殊群体: 心理关注, 经济困难, 身体状况, 残疾, 少数民族, 港澳台/国际 …) or a risk level
    (风险等级). The office edits the list; `code` is what counts are keyed by."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Closed management")
        GROUP = "group", _("Special group")
        RISK = "risk", _("Risk level")

    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GROUP)
    tone = models.CharField(_("colour"), max_length=12, default="secondary", help_text=_("A Bootstrap colour name for the badge."))
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("student category")
        verbose_name_plural = _("student categories")
        ordering = ["kind", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="unique_category_code"),
            models.UniqueConstraint(fields=["institution", "name"], name="unique_category_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StudentTagQuerySet(ByStudent, models.QuerySet):
    def on(self, day: date):
        return self.filter(valid_from__lte=day, valid_to__gt=day)


class StudentTag(models.Model):
    """A student's classification (分类标记) in force on the days [valid_from, valid_to).
    A student may carry any number of categories; at most one risk level at a time."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="ledger_tags", verbose_name=_("student"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tags", verbose_name=_("category"))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), default=FOREVER)
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    set_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = StudentTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("student tag")
        verbose_name_plural = _("student tags")
        ordering = ["category__kind", "category__sort_order", "valid_from"]
        indexes = [
            models.Index(fields=["student", "valid_from", "valid_to"]),
            models.Index(fields=["category", "valid_from", "valid_to"]),
        ]
        constraints = [models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="student_tag_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.student} · {self.category}"

    @property
    def is_current(self) -> bool:
        return self.valid_to == FOREVER


class StayApplicationQuerySet(ByStudent, models.QuerySet):
    """Visible with the student (visible_to)."""


class StayApplication(models.Model):
    """An application to stay on campus (留校申请), or a college's registration (登记) of a
    student: dates, reason, bed, emergency contact, parent, and the safety pledge (安全承诺).
    The counselor approves or returns it; the college confirms it."""

    objects = StayApplicationQuerySet.as_manager()

    class Stage(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the counselor")
        RETURNED = "returned", _("Returned for changes")
        COUNSELOR_APPROVED = "counselor_approved", _("Waiting for the college")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", pgettext_lazy("stay application", "Withdrawn")

    class Source(models.TextChoices):
        STUDENT = "student", _("Student's application")
        COLLEGE = "college", _("Registered by the college")
        IMPORT = "import", _("Imported list")

    period = models.ForeignKey(StayPeriod, on_delete=models.PROTECT, related_name="applications", verbose_name=_("stay period"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="stay_applications", verbose_name=_("student"))
    start_date = models.DateField(_("stay from"))
    end_date = models.DateField(_("stay until"))
    reason = models.ForeignKey(StayReason, on_delete=models.PROTECT, related_name="+", verbose_name=_("reason"))
    reason_note = models.CharField(_("details"), max_length=200, blank=True)
    bed = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("bed"), limit_choices_to={"kind": "bed"})
    emergency_contact = models.CharField(_("emergency contact"), max_length=50)
    emergency_phone = SealedCharField(_("emergency contact's phone"), max_length=20)
    parent_name = models.CharField(_("parent's name"), max_length=50)
    parent_phone = SealedCharField(_("parent's phone"), max_length=20)
    pledge_agreed_at = models.DateTimeField(_("safety pledge agreed at"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SUBMITTED, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STUDENT)
    counselor_comment = models.CharField(_("counselor's comment"), max_length=300, blank=True)
    counselor_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    counselor_at = models.DateTimeField(null=True, blank=True)
    college_comment = models.CharField(_("college's comment"), max_length=300, blank=True)
    college_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    college_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("stay application")
        verbose_name_plural = _("stay applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "student"], name="one_stay_application_per_period"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="stay_application_ends_after_start"),
        ]
        indexes = [models.Index(fields=["student", "start_date"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.period}"

    @property
    def emergency_phone_masked(self) -> str:
        from fangxian.core.idnumber import mask_phone

        return mask_phone(self.emergency_phone)

    @property
    def parent_phone_masked(self) -> str:
        from fangxian.core.idnumber import mask_phone

        return mask_phone(self.parent_phone)


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")  # 已登记
    APPROVED = "approved", _("Approved")  # 已批准
    ON_CAMPUS = "on_campus", _("On campus")  # 在校
    OUT = "out", _("Out (returning)")  # 外出
    LEFT = "left", _("Left for good")  # 已离校
    RETURNED = "returned", _("Back on campus")  # 返校
    CANCELLED = "cancelled", _("Cancelled")  # 已撤销


# Statuses that count as "on campus" for the on-date counts.
ON_CAMPUS_STATUSES = (Status.ON_CAMPUS, Status.RETURNED)
# Statuses in which a stay still holds its bed.
LIVE_STATUSES = (Status.REGISTERED, Status.APPROVED, Status.ON_CAMPUS, Status.OUT, Status.RETURNED)
# The status changes a person may make by hand (registration and approval come from the
# application flow; cancelling from withdrawing the application).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.REGISTERED: (),
    Status.APPROVED: (Status.ON_CAMPUS, Status.LEFT),
    Status.ON_CAMPUS: (Status.OUT, Status.LEFT),
    Status.OUT: (Status.RETURNED, Status.LEFT),
    Status.RETURNED: (Status.OUT, Status.LEFT),
    Status.LEFT: (),
    Status.CANCELLED: (),
}
STATUS_TONES = {
    Status.REGISTERED: "secondary",
    Status.APPROVED: "info",
    Status.ON_CAMPUS: "success",
    Status.OUT: "warning",
    Status.LEFT: "dark",
    Status.RETURNED: "success",
    Status.CANCELLED: "light",
}


class LedgerEntryQuerySet(ByStudent, models.QuerySet):
    """Visible with the student (visible_to)."""


class LedgerEntry(models.Model):
    """A student's line in the stay ledger (台账条目) for one period. Its status moves
    已登记 → 已批准 → 在校 → 外出 / 已离校 → 返校; every change is a `StatusSpell`.
    `version` is raised by every change and checked in the UPDATE, so that of two people
    changing the same student at once the second is told instead of overwriting."""

    objects = LedgerEntryQuerySet.as_manager()

    application = models.OneToOneField(StayApplication, on_delete=models.PROTECT, related_name="entry", verbose_name=_("application"))
    period = models.ForeignKey(StayPeriod, on_delete=models.PROTECT, related_name="entries", verbose_name=_("stay period"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("student"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED, db_index=True)
    status_since = models.DateField(_("since"))
    expected_return = models.DateField(_("expected back"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Denormalised from the student's class and the stay's bed, for grouped counts.
    college = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("college"), db_index=False)
    klass = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("class"), db_index=False)
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("campus"), db_index=False)
    building = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("building"), db_index=False)
    bed = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("bed"), db_index=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["klass_id", "student_id"]
        constraints = [models.UniqueConstraint(fields=["period", "student"], name="one_ledger_entry_per_period")]
        indexes = [models.Index(fields=["period", "status"]), models.Index(fields=["bed", "status"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_status_display()}"

    @property
    def tone(self) -> str:
        return STATUS_TONES[self.status]

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        return [(status, Status(status).label) for status in TRANSITIONS[self.status]]

    @property
    def next_status_values(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]


class StatusSpellQuerySet(ByStudent, models.QuerySet):
    def on(self, day: date):
        """The spells in force on `day` (the status at the end of that day)."""
        return self.filter(valid_from__lte=day, valid_to__gt=day)

    def on_campus(self, day: date):
        return self.on(day).filter(status__in=ON_CAMPUS_STATUSES)


class StatusSpell(models.Model):
    """A span of days in which a ledger entry kept one status and one place (状态区间),
    with who set it and why. A change on day D ends the current spell on D and starts the
    next one on D, so the status "on D" is the one at the end of that day."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="spells", verbose_name=_("ledger entry"), db_index=False)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name=_("student"), db_index=False)
    period = models.ForeignKey(StayPeriod, on_delete=models.CASCADE, related_name="+", verbose_name=_("stay period"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), default=FOREVER)
    college = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    klass = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    building = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    bed = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    objects = StatusSpellQuerySet.as_manager()

    class Meta:
        verbose_name = _("status spell")
        verbose_name_plural = _("status spells")
        ordering = ["entry_id", "valid_from", "id"]
        indexes = [
            # The on-date counts: a range on valid_from, then valid_to and status read from the index.
            models.Index(fields=["valid_from", "valid_to", "status", "college", "student"], name="ledger_spell_on_date"),
            models.Index(fields=["entry", "valid_to"]),
            models.Index(fields=["student", "valid_from"]),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.status} [{self.valid_from}, {self.valid_to})"


class BedSpell(models.Model):
    """A student's bed during a stay (床位历史), for the days [valid_from, valid_to)."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.CASCADE, related_name="bed_spells", verbose_name=_("ledger entry"), db_index=False
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name=_("student"))
    bed = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("bed"), db_index=False)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), default=FOREVER)
    plan = models.ForeignKey("MovePlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("move plan"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("bed spell")
        verbose_name_plural = _("bed history")
        ordering = ["entry_id", "valid_from", "id"]
        indexes = [models.Index(fields=["bed", "valid_from"]), models.Index(fields=["entry", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.student_id} {self.bed_id} [{self.valid_from}, {self.valid_to})"


class MovePlanQuerySet(WholeInstitution, models.QuerySet):
    """Dorm moves are planned by the office for a campus: whole-institution scopes only."""


class MovePlan(models.Model):
    """A dorm consolidation plan (学生公寓调整方案): moves of staying students from bed to
    bed, suggested by the platform, reviewed and edited by the office, then executed."""

    objects = MovePlanQuerySet.as_manager()

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        EXECUTED = "executed", _("Executed")

    period = models.ForeignKey(StayPeriod, on_delete=models.PROTECT, related_name="move_plans", verbose_name=_("stay period"))
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("campus"))
    name = models.CharField(_("name"), max_length=100)
    move_date = models.DateField(_("move date"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    executed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dorm move plan")
        verbose_name_plural = _("dorm move plans")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class MoveItem(models.Model):
    """One move of a plan: a staying student from a bed to another bed."""

    plan = models.ForeignKey(MovePlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+", verbose_name=_("ledger entry"))
    from_bed = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("from bed"))
    to_bed = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("to bed"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        ordering = ["plan_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "entry"], name="one_move_per_student_per_plan"),
            models.UniqueConstraint(fields=["plan", "to_bed"], name="one_move_per_target_bed"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_bed_id} → {self.to_bed_id}"
