"""Care of students who stay (关心关爱) and the affiliated hospital's fever referrals.

- `CarePlan` (关爱计划): a student of a special group (the ledger's classification) looked
  after by a member of staff, with a kind of care and how often to follow up; the
  follow-up clock is a deadline of kind "care.follow_up" on the plan.
- `FollowUp` (关爱跟进): one logged follow-up. The content of a psychological one (心理疏导)
  is confidential: only the psychological centre and the student's one-to-one staff read it.
- `HelpRequest` (求助): a student's request from the phone, answered by the one-to-one staff
  within a time limit (deadline "care.help"), escalated along the chain otherwise.
- `Canteen`, `CanteenReport` (食堂日报), `MealRating` (饭菜评价): meals, food safety and quality.
- `FeverReferral` (发热门诊转诊): a student sent to the hospital's fever clinic, and what came of it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.org.models import Place, Staff, Student, Unit
from fangxian.org.visibility import ByStudent


class CareKind(models.TextChoices):
    LIFE = "life", _("Daily-life care")  # 生活关心
    ACADEMIC = "academic", _("Study guidance")  # 学业指导
    PSYCH = "psych", _("Psychological support")  # 心理疏导


class CarePlanQuerySet(ByStudent, models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)

    def overdue(self, now=None):
        return self.active().filter(next_due_at__lt=now or timezone.now())


class CarePlan(models.Model):
    """A care plan (关爱计划) for a student of a special group: who looks after them, what
    kind of care, and how many days may pass between two follow-ups."""

    objects = CarePlanQuerySet.as_manager()

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="care_plans", verbose_name=_("student"))
    kind = models.CharField(_("kind of care"), max_length=10, choices=CareKind.choices)
    group_code = models.CharField(_("special group"), max_length=40, blank=True)
    group_name = models.CharField(_("special group"), max_length=50, blank=True)
    owner = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("looked after by"))
    interval_days = models.PositiveSmallIntegerField(_("follow up every (days)"), default=7)
    starts_on = models.DateField(_("from"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next follow-up due"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        ordering = ["next_due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "kind"],
                condition=Q(ended_at__isnull=True),
                name="one_active_care_plan_per_kind",
                violation_error_message=_("This student already has an active care plan of this kind."),
            ),
            models.CheckConstraint(
                condition=Q(interval_days__gte=1, interval_days__lte=90),
                name="care_plan_interval_1_to_90",
                violation_error_message=_("Follow up at least every 90 days and at most daily."),
            ),
        ]
        indexes = [models.Index(fields=["next_due_at"], condition=Q(ended_at__isnull=True), name="care_plan_open_due")]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_kind_display()}"

    @property
    def is_confidential(self) -> bool:
        return self.kind == CareKind.PSYCH

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def is_overdue(self, now=None) -> bool:
        return self.is_active and self.next_due_at < (now or timezone.now())


class FollowUpQuerySet(ByStudent, models.QuerySet):
    """Visible with the student; the content of a confidential one is read only through
    `fangxian.care.access.may_read_confidential`."""


class FollowUp(models.Model):
    """A logged follow-up (关爱跟进) of a care plan."""

    class Mode(models.TextChoices):
        VISIT = "visit", _("In person")
        PHONE = "phone", _("By phone")
        ONLINE = "online", _("Online message")

    objects = FollowUpQuerySet.as_manager()

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("care plan"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    kind = models.CharField(_("kind of care"), max_length=10, choices=CareKind.choices)
    at = models.DateTimeField(_("time"))
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, default=Mode.VISIT)
    content = models.TextField(_("what was said and done"), max_length=2000)
    needs_attention = models.BooleanField(_("needs further attention"), default=False)
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("followed up by"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("care follow-up")
        verbose_name_plural = _("care follow-ups")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["plan", "at"]), models.Index(fields=["student", "at"])]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.get_kind_display()} · {self.at:%Y-%m-%d}"

    @property
    def is_confidential(self) -> bool:
        return self.kind == CareKind.PSYCH


class HelpRequestQuerySet(ByStudent, models.QuerySet):
    def open(self):
        return self.filter(answered_at__isnull=True)


class HelpRequest(models.Model):
    """A student's request for help (求助) from the phone."""

    class Kind(models.TextChoices):
        MEAL = "meal", _("Meals")
        ILLNESS = "illness", _("Feeling ill")
        REPAIR = "repair", _("Repair")
        TALK = "talk", _("Talk to someone")
        OTHER = "other", _("Other")

    objects = HelpRequestQuerySet.as_manager()

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="help_requests", verbose_name=_("student"))
    kind = models.CharField(_("kind of help"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("what is the matter"), max_length=500)
    token = models.CharField(max_length=40, blank=True, default="")
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("one-to-one staff"))
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due"))
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_by_name = models.CharField(_("answered by"), max_length=50, blank=True)
    answered_at = models.DateTimeField(pgettext_lazy("help request", "answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "token"], condition=~Q(token=""), name="one_help_request_per_submission"),
        ]
        indexes = [models.Index(fields=["due_at"], condition=Q(answered_at__isnull=True), name="care_help_open_due")]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    @property
    def answered_in_time(self) -> bool | None:
        return None if self.answered_at is None else self.answered_at <= self.due_at

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class CanteenQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office and leaders see every canteen; the logistics office those of its
        institution; a canteen manager the canteens in the places they hold; a student the
        canteens of their institution (to rate a meal)."""
        from .access import visible_canteen_condition

        condition = visible_canteen_condition(user, students=True)
        return self if condition is None else self.filter(condition)


class Canteen(models.Model):
    """A canteen (食堂): a building of the spatial tree where meals are served."""

    objects = CanteenQuerySet.as_manager()

    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="canteens", verbose_name=_("building"))
    campus = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("campus"))
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")
        ordering = ["sort_order", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="unique_canteen_name")]

    def __str__(self) -> str:
        return self.name


class ByCanteen:
    """Rows of a canteen: visible with the canteen to staff (students are not given other
    students' rows)."""

    def visible_to(self, user):
        from .access import visible_canteen_condition

        condition = visible_canteen_condition(user, students=False, prefix="canteen__")
        return self if condition is None else self.filter(condition)


class CanteenReportQuerySet(ByCanteen, models.QuerySet):
    pass


class CanteenReport(models.Model):
    """A canteen's daily report (食堂日报): windows open, meals served, the 48-hour food
    samples (留样) and the staff's morning health check (晨检)."""

    objects = CanteenReportQuerySet.as_manager()

    canteen = models.ForeignKey(Canteen, on_delete=models.PROTECT, related_name="reports", verbose_name=_("canteen"))
    day = models.DateField(_("date"))
    windows_open = models.PositiveSmallIntegerField(_("windows open"))
    meals_served = models.PositiveIntegerField(_("meals served"))
    samples_kept = models.BooleanField(_("food samples kept for 48 hours"))
    staff_checked = models.PositiveSmallIntegerField(_("staff health-checked"))
    staff_unwell = models.PositiveSmallIntegerField(_("staff unwell"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    revision = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("canteen daily report")
        verbose_name_plural = _("canteen daily reports")
        ordering = ["-day", "canteen__sort_order", "canteen_id"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "day"], name="one_canteen_report_per_day"),
            models.CheckConstraint(condition=Q(staff_unwell__lte=F("staff_checked")), name="canteen_unwell_among_checked"),
        ]

    def __str__(self) -> str:
        return f"{self.canteen} · {self.day}"


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("Breakfast")
    LUNCH = "lunch", _("Lunch")
    DINNER = "dinner", _("Dinner")


class MealRatingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The canteen's staff and the logistics office see the ratings of their canteens; a
        college and a counselor those of the students in their scope; a student their own."""
        from fangxian.org.scope import scope_of

        from .access import visible_canteen_condition

        condition = visible_canteen_condition(user, students=False, prefix="canteen__")
        students = scope_of(user).student_condition("student__")
        if condition is None or students is None:
            return self
        return self.filter(condition | students)

    def complaints(self):
        return self.filter(is_complaint=True)


class MealRating(models.Model):
    """A student's rating of one meal (饭菜评价): 1 to 5 stars and a comment; a low score or
    a comment marked as a complaint is answered by the logistics office. Once per meal."""

    objects = MealRatingQuerySet.as_manager()

    canteen = models.ForeignKey(Canteen, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("canteen"))
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+", verbose_name=_("student"))
    day = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=10, choices=Meal.choices)
    score = models.PositiveSmallIntegerField(_("rating score"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    is_complaint = models.BooleanField(_("complaint"), default=False)
    reply = models.CharField(_("reply"), max_length=300, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("meal rating")
        verbose_name_plural = _("meal ratings")
        ordering = ["-day", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "day", "meal"], name="one_rating_per_meal"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="meal_score_1_to_5"),
        ]
        indexes = [models.Index(fields=["canteen", "day"]), models.Index(fields=["day", "is_complaint"])]

    def __str__(self) -> str:
        return f"{self.canteen} · {self.day} · {self.get_meal_display()} · {self.score}"


class FeverReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        """With the student (their college, counselor, one-to-one staff, the office), and to
        the hospital's staff for referrals to their hospital."""
        from fangxian.org.scope import scope_of

        scope = scope_of(user)
        condition = scope.student_condition("student__")
        if condition is None:
            return self
        if scope.unit_paths:
            condition |= Q(hospital__in=Unit.objects.under_any(scope.unit_paths).filter(kind=Unit.Kind.HOSPITAL).values("pk"))
        return self.filter(condition)

    def open_at(self, moment):
        """Referrals that keep the student away at `moment`: referred, not back on campus."""
        return self.filter(referred_at__lte=moment).filter(Q(back_on_campus_at__isnull=True) | Q(back_on_campus_at__gt=moment))


class FeverReferral(models.Model):
    """A student sent to the affiliated hospital's fever clinic (发热门诊转诊): when, from
    where, the result, and whether they are back on campus or isolated."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Waiting for the diagnosis")
        CLEARED = "cleared", _("Cleared, back to campus")
        ISOLATED = "isolated", _("Isolated for observation")
        ADMITTED = "admitted", pgettext_lazy("hospital", "Admitted")

    objects = FeverReferralQuerySet.as_manager()

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="fever_referrals", verbose_name=_("student"))
    hospital = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("hospital"), limit_choices_to={"kind": "hospital"}
    )
    referred_at = models.DateTimeField(_("referred at"))
    from_where = models.CharField(_("referred from"), max_length=100)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    result = models.CharField(pgettext_lazy("fever clinic", "result"), max_length=10, choices=Result.choices, default=Result.PENDING)
    result_at = models.DateTimeField(_("diagnosed at"), null=True, blank=True)
    back_on_campus_at = models.DateTimeField(_("back on campus at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("fever referral")
        verbose_name_plural = _("fever referrals")
        ordering = ["-referred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(back_on_campus_at__isnull=True) | Q(back_on_campus_at__gte=F("referred_at")),
                name="fever_referral_back_after_referral",
            ),
        ]
        indexes = [models.Index(fields=["referred_at"]), models.Index(fields=["student", "referred_at"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.referred_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.back_on_campus_at is None
