"""Duty (值班值守): rosters of units, their shifts, the duty posts in each shift (each one an
org assignment bound to the shift's window), swaps, duty leave, reachability pings and the
duty log."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.core import idnumber
from fangxian.core.sealed import SealedCharField
from fangxian.org.models import Assignment, Staff, Unit
from fangxian.org.scope import scope_of

from .roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY


def _scoped(qs, user, unit_field: str, staff_field: str | None):
    """Rows of units in the user's scope, and rows naming the user's own staff record."""
    scope = scope_of(user)
    if scope.everything:
        return qs
    condition = Q(**{f"{unit_field}__in": scope.units(Unit.objects.all()).values("pk")}) if scope.unit_paths else Q(pk__in=[])
    if staff_field and scope.staff_id:
        condition |= Q(**{staff_field: scope.staff_id})
    return qs.filter(condition).distinct() if staff_field and "__" in staff_field else qs.filter(condition)


class RosterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rosters of units in scope, and those the user is on."""
        return _scoped(self, user, "unit", "shifts__posts__staff_id")


class Roster(models.Model):
    """A unit's duty roster (值班表): its shifts (12 h day and night, or 24 h) and how long a
    person on duty has to check in."""

    class Pattern(models.TextChoices):
        DAY_NIGHT = "day_night", _("Day and night shifts (12 h each)")
        FULL_DAY = "full_day", _("One 24-hour shift")

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="duty_roster", verbose_name=_("unit"))
    pattern = models.CharField(_("shifts"), max_length=16, choices=Pattern.choices, default=Pattern.DAY_NIGHT)
    day_starts = models.TimeField(_("day shift starts"), default=time(8, 0))
    check_in_minutes = models.PositiveSmallIntegerField(_("check-in within (minutes)"), default=15)
    staff_needed = models.PositiveSmallIntegerField(_("staff on duty per shift"), default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RosterQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return str(self.unit)

    def slots(self) -> list[int]:
        return [0, 1] if self.pattern == self.Pattern.DAY_NIGHT else [0]

    def window(self, day, slot: int) -> tuple[datetime, datetime]:
        """The shift's [start, end) on `day` (local time)."""
        start = timezone.make_aware(datetime.combine(day, self.day_starts))
        if self.pattern == self.Pattern.FULL_DAY:
            return start, start + timedelta(hours=24)
        start += timedelta(hours=12 * slot)
        return start, start + timedelta(hours=12)

    def slot_label(self, slot: int) -> str:
        if self.pattern == self.Pattern.FULL_DAY:
            return str(_("24 h"))
        return str(pgettext_lazy("shift", "Day") if slot == 0 else pgettext_lazy("shift", "Night"))


class ShiftQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "roster__unit", "posts__staff_id")


class Shift(models.Model):
    """One shift of a roster on one day (slot 0: the day or 24 h shift, 1: the night)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("duty roster"))
    day = models.DateField(_("date"))
    slot = models.PositiveSmallIntegerField(_("shift"), default=0)
    starts_at = models.DateTimeField(_("start time"))
    ends_at = models.DateTimeField(_("end time"))

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "roster_id"]
        constraints = [models.UniqueConstraint(fields=["roster", "day", "slot"], name="duty_one_shift_per_slot")]
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.roster} {self.day:%Y-%m-%d} {self.label}"

    @property
    def label(self) -> str:
        return self.roster.slot_label(self.slot)

    def is_now(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at


class PostQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Posts of units in scope, one's own posts, and the posts of shifts one leads."""
        scope = scope_of(user)
        if scope.everything:
            return self
        condition = Q(pk__in=[])
        if scope.unit_paths:
            condition |= Q(shift__roster__unit__in=scope.units(Unit.objects.all()).values("pk"))
        if scope.staff_id:
            led = Post.objects.filter(staff_id=scope.staff_id, role=DUTY_LEADER_KEY).values("shift_id")
            condition |= Q(staff_id=scope.staff_id) | Q(shift_id__in=led)
        return self.filter(condition)

    def leaders(self):
        return self.filter(role=DUTY_LEADER_KEY)


class Post(models.Model):
    """A duty post (值班岗位): one person in one shift, as leader on duty (带班领导) or staff on
    duty (值班人员), with the phone to reach them. The org assignment (role, unit, the shift's
    window) is what scope, coverage and escalation read; this row adds check-in and handover."""

    class Role(models.TextChoices):
        LEADER = DUTY_LEADER_KEY, _("Leader on duty")
        STAFF = DUTY_STAFF_KEY, _("Staff on duty")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="posts", verbose_name=_("shift"))
    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="duty_post", verbose_name=_("assignment"))
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="duty_posts", verbose_name=_("staff member"))
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    phone = SealedCharField(_("phone"), max_length=20, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    handover_note = models.TextField(_("handover note"), blank=True, max_length=2000)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty post")
        verbose_name_plural = _("duty posts")
        ordering = ["shift__starts_at", "role", "staff__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["shift", "staff"], name="duty_one_post_per_person_and_shift")]
        indexes = [models.Index(fields=["staff", "shift"])]

    def __str__(self) -> str:
        return f"{self.shift} · {self.get_role_display()} · {self.staff}"

    @property
    def phone_masked(self) -> str:
        return idnumber.mask_phone(self.phone) if self.phone else ""

    @property
    def is_leader(self) -> bool:
        return self.role == DUTY_LEADER_KEY


class SwapQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        condition = Q(pk__in=[])
        if scope.unit_paths:
            condition |= Q(post__shift__roster__unit__in=scope.units(Unit.objects.all()).values("pk"))
        if scope.staff_id:
            condition |= Q(requester_id=scope.staff_id) | Q(colleague_id=scope.staff_id)
        return self.filter(condition)


class Swap(models.Model):
    """A swap (换班): the person on a post asks a colleague to take it; the colleague accepts;
    the unit's admin approves, and the post passes to the colleague. Kept as history."""

    class Status(models.TextChoices):
        ASKED = "asked", _("Waiting for the colleague")
        ACCEPTED = "accepted", _("Waiting for approval")
        APPROVED = "approved", pgettext_lazy("swap", "Approved")
        DECLINED = "declined", _("Declined by the colleague")
        REJECTED = "rejected", pgettext_lazy("swap", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("swap", "Withdrawn")

    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, related_name="swaps", verbose_name=_("duty post"))
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps", verbose_name=_("shift"))
    requester = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="duty_swaps_asked", verbose_name=_("asked by"))
    colleague = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="duty_swaps_received", verbose_name=_("colleague"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ASKED)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = SwapQuerySet.as_manager()

    class Meta:
        verbose_name = _("swap")
        verbose_name_plural = _("swaps")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(requester=models.F("colleague")), name="duty_swap_not_with_oneself"),
            # One open request per post at a time.
            models.UniqueConstraint(fields=["post"], condition=Q(status__in=["asked", "accepted"]), name="duty_one_open_swap_per_post"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.colleague} · {self.shift}"


class UnavailabilityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "staff__unit", "staff_id")

    def approved(self):
        return self.filter(status=Unavailability.Status.APPROVED)


class Unavailability(models.Model):
    """Duty leave (值班请假): days on which a member of staff cannot be on duty, asked by them
    and approved by their unit's admin. The platform keeps no other leave for staff, so the
    gap list reads this one."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", pgettext_lazy("swap", "Approved")
        REJECTED = "rejected", pgettext_lazy("swap", "Rejected")

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="duty_leave", verbose_name=_("staff member"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = UnavailabilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty leave")
        verbose_name_plural = _("duty leave")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="duty_leave_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"


class PingQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.everything:
            return self
        if not scope.unit_paths:
            return self.none()
        return self.filter(requests__post__shift__roster__unit__in=scope.units(Unit.objects.all()).values("pk")).distinct()


class Ping(models.Model):
    """A reachability check (在岗抽查): sent at once to everyone on duty at that moment (of one
    unit, or of all), each of whom must answer within `answer_minutes`."""

    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    answer_minutes = models.PositiveSmallIntegerField(_("answer within (minutes)"), default=10)
    scheduled = models.BooleanField(_("sent by the schedule"), default=False)

    objects = PingQuerySet.as_manager()

    class Meta:
        verbose_name = _("reachability ping")
        verbose_name_plural = _("reachability pings")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.sent_at):%Y-%m-%d %H:%M}"


class PingSchedule(models.Model):
    """Reachability pings at random times (随机抽查): `per_day` pings each day between
    `window_start` and `window_end` (past midnight when the end is earlier), to everyone on
    duty at that moment, of `unit` and the units below it, or of every unit (None, the
    office's). The times come from a keyed hash of the schedule and the day: the people on
    duty cannot know them in advance, and every consumer draws the same ones."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    per_day = models.PositiveSmallIntegerField(_("pings per day"), default=2)
    window_start = models.TimeField(_("from"), default=time(8))
    window_end = models.TimeField(_("until"), default=time(22))
    answer_minutes = models.PositiveSmallIntegerField(_("answer within (minutes)"), default=10)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("random ping schedule")
        verbose_name_plural = _("random ping schedules")
        ordering = ["unit__path", "pk"]
        # One per unit, and one for every unit (no unit: 0).
        constraints = [models.UniqueConstraint(Coalesce("unit", Value(0)), name="duty_one_ping_schedule_per_unit")]

    def __str__(self) -> str:
        return self.unit.name if self.unit_id else str(_("Everyone on duty now"))


class PingSlot(models.Model):
    """One drawn time of a schedule: planned by the deadline engine shortly before, sent once
    at its time (the ping, or nobody on duty then)."""

    class Outcome(models.TextChoices):
        PLANNED = "", _("planned")
        SENT = "sent", _("sent")
        NOBODY = "nobody", _("nobody on duty")

    schedule = models.ForeignKey(PingSchedule, on_delete=models.CASCADE, related_name="slots", verbose_name=_("random ping schedule"))
    at = models.DateTimeField(_("time"))
    ping = models.ForeignKey(Ping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("reachability ping"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True, default="")

    class Meta:
        verbose_name = _("random ping time")
        verbose_name_plural = _("random ping times")
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["schedule", "at"], name="duty_one_slot_per_time")]

    def __str__(self) -> str:
        return f"{self.schedule} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class PingRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(post__in=Post.objects.visible_to(user).values("pk"))


def new_token() -> str:
    return secrets.token_urlsafe(24)


class PingRequest(models.Model):
    """One person asked by a ping: answered with one tap, from the notification or from the
    signed link in the message, until `closes_at`."""

    ping = models.ForeignKey(Ping, on_delete=models.CASCADE, related_name="requests", verbose_name=_("reachability ping"))
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="ping_requests", verbose_name=_("duty post"))
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member"))
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    closes_at = models.DateTimeField(_("closes at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = PingRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("ping request")
        verbose_name_plural = _("ping requests")
        ordering = ["-ping__sent_at", "staff__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["ping", "post"], name="duty_one_request_per_post")]
        indexes = [models.Index(fields=["staff", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.ping} · {self.staff}"

    @property
    def seconds_to_answer(self) -> float | None:
        return None if self.answered_at is None else (self.answered_at - self.ping.sent_at).total_seconds()


class LogEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(post__in=Post.objects.visible_to(user).values("pk"))


class LogEntry(models.Model):
    """An entry of the duty log (值班日志), written during the shift and signed by its author
    (`signature`: a keyed hash of who wrote what when, so a later edit shows)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call received")
        PATROL = "patrol", _("Patrol")
        MATTER = "matter", _("Matter handled")
        OTHER = "other", _("Other")

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="log_entries", verbose_name=_("duty post"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    text = models.TextField(_("duty notes"), max_length=2000)
    written_at = models.DateTimeField(_("time"), default=timezone.now)
    signature = models.CharField(max_length=64, editable=False)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log")
        ordering = ["-written_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.post} · {timezone.localtime(self.written_at):%H:%M}"
