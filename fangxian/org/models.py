"""The organisation: two trees (administrative and spatial), people, and assignments.

Both trees keep a materialised path ("/1/5/23/") so that a subtree is one indexed prefix
query; `services.node_move` rewrites the paths of a moved subtree in one statement.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.core import idnumber
from fangxian.core.sealed import SealedCharField


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class TreeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def subtree(self, node, include_self: bool = True):
        qs = self.filter(path__startswith=node.path)
        return qs if include_self else qs.exclude(pk=node.pk)

    def under_any(self, paths):
        """Nodes in any of the subtrees whose root paths are given."""
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition) if paths else self.none()

    def visible_to(self, user):
        """The nodes `user` may see (fangxian.org.scope): units or places by the model."""
        from .scope import scope_of

        scope = scope_of(user)
        return scope.units(self) if self.model is Unit else scope.places(self)


class TreeNode(models.Model):
    """Shared by both trees. `path` is the chain of ids from the root, `depth` its length."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=50, blank=True)
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(_("order"), default=0)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Which kinds may hang under which: {child kind: allowed parent kinds}; None = root.
    PARENT_KINDS: dict[str, tuple[str | None, ...]] = {}

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    def is_ancestor_of(self, other: TreeNode) -> bool:
        return other.path.startswith(self.path) and other.pk != self.pk

    def clean(self) -> None:
        super().clean()
        allowed = self.PARENT_KINDS.get(self.kind, ())
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in allowed:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s cannot be placed under %(parent)s.")
                    % {"kind": self.get_kind_display(), "parent": self.parent.get_kind_display() if self.parent_id else _("nothing")}
                }
            )
        if self.pk and self.parent_id and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("A node cannot be moved under itself or its own descendants.")})

    def compute_path(self) -> tuple[str, int]:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.pk}/", prefix.count("/")

    def save(self, *args, **kwargs):
        # The path needs the id, which a new row gets only when inserted.
        super().save(*args, **kwargs)
        path, depth = self.compute_path()
        if (path, depth) != (self.path, self.depth):
            self.path, self.depth = path, depth
            type(self).objects.filter(pk=self.pk).update(path=path, depth=depth)


class Unit(TreeNode):
    """A node of the administrative tree (行政树): institution → college, department or
    hospital → major → grade → class."""

    class Kind(models.TextChoices):
        INSTITUTION = "institution", _("Institution")
        COLLEGE = "college", _("College")
        DEPARTMENT = "department", _("Department")
        HOSPITAL = "hospital", _("Affiliated hospital")
        MAJOR = "major", _("Major")
        GRADE = "grade", _("Grade")
        CLASS = "class", _("Class")

    PARENT_KINDS = {
        "institution": (None,),
        "college": ("institution",),
        "department": ("institution",),
        "hospital": ("institution",),
        "major": ("college",),
        "grade": ("major",),
        "class": ("grade",),
    }

    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    campus = models.ForeignKey(
        "org.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("campus"),
        limit_choices_to={"kind": "campus"},
        help_text=_("The campus where a college or class mainly is."),
    )

    objects = TreeQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], condition=Q(archived_at__isnull=True), name="unique_active_unit_name_per_parent"
            ),
        ]
        indexes = [models.Index(fields=["kind", "path"])]

    @property
    def institution_id(self) -> int:
        return int(self.path.strip("/").split("/")[0])


class Place(TreeNode):
    """A node of the spatial tree (空间树): campus → building → room → bed; gates hang on a
    campus, labs are rooms used as labs. Campuses belong to an institution."""

    class Kind(models.TextChoices):
        CAMPUS = "campus", _("Campus")
        BUILDING = "building", _("Building")
        ROOM = "room", _("Room")
        BED = "bed", _("Bed")
        GATE = "gate", _("Gate")

    class Use(models.TextChoices):
        DORM = "dorm", _("Dormitory")
        TEACHING = "teaching", _("Teaching")
        LAB = "lab", _("Laboratory")
        OFFICE = "office", _("Office")
        HOSPITAL = "hospital", _("Hospital")
        OTHER = "other", _("Other")

    PARENT_KINDS = {
        "campus": (None,),
        "building": ("campus",),
        "gate": ("campus",),
        "room": ("building",),
        "bed": ("room",),
    }

    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="places", verbose_name=_("institution"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    use = models.CharField(_("use"), max_length=16, choices=Use.choices, blank=True)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, blank=True, help_text=_("For dormitory buildings and rooms.")
    )

    objects = TreeQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], condition=Q(archived_at__isnull=True), name="unique_active_place_name_per_parent"
            ),
        ]
        indexes = [models.Index(fields=["kind", "path"])]

    def clean(self) -> None:
        super().clean()
        if self.institution_id and self.institution.kind != Unit.Kind.INSTITUTION:
            raise ValidationError({"institution": _("Choose an institution.")})
        if self.parent_id and self.parent.institution_id != self.institution_id:
            raise ValidationError({"parent": _("The parent belongs to another institution.")})


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The students or staff `user` may see (fangxian.org.scope)."""
        from .scope import scope_of

        scope = scope_of(user)
        return scope.students(self) if self.model is Student else scope.staff(self)


class Person(models.Model):
    """What students and staff share. A user account belongs to a person."""

    institution = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    id_number = SealedCharField(_("ID number"), max_length=18, blank=True)
    phone = SealedCharField(_("phone"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="%(class)s", verbose_name=_("account")
    )
    # A cleaned JPEG with a random name under MEDIA_ROOT (see photos.py); never served by a
    # public URL. The database default lets bulk INSERTs that name their columns leave it out.
    photo = models.ImageField(_("photo"), upload_to="photos/", blank=True, default="", db_default="", editable=False)
    # The person's user id in WeCom (企业微信) and DingTalk (钉钉): notifications to the person go
    # to that app where it is configured (fangxian/notify/messengers.py). Imports fill them.
    wecom_userid = models.CharField(_("WeCom user id"), max_length=64, blank=True, default="", db_default="")
    dingtalk_userid = models.CharField(_("DingTalk user id"), max_length=64, blank=True, default="", db_default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return idnumber.mask(self.id_number) if self.id_number else ""

    @property
    def phone_masked(self) -> str:
        return idnumber.mask_phone(self.phone) if self.phone else ""

    def clean(self) -> None:
        super().clean()
        if self.id_number:
            self.id_number = idnumber.normalize(self.id_number)
            reason = idnumber.problem(self.id_number)
            if reason:
                raise ValidationError({"id_number": ID_NUMBER_MESSAGES[reason]})


ID_NUMBER_MESSAGES = idnumber.MESSAGES


class Student(Person):
    """A student (学生): in a class of the administrative tree and, when living on
    campus, in a bed of the spatial tree."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        SUSPENDED = "suspended", _("Suspended")
        GRADUATED = "graduated", _("Graduated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    student_number = models.CharField(_("student number"), max_length=32)
    klass = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="students", verbose_name=_("class"), limit_choices_to={"kind": "class"}
    )
    bed = models.OneToOneField(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="occupant",
        verbose_name=_("bed"),
        limit_choices_to={"kind": "bed"},
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ENROLLED)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["student_number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "student_number"], name="unique_student_number"),
            models.UniqueConstraint(fields=["institution", "id_number"], condition=~Q(id_number=""), name="unique_student_id_number"),
        ]

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.klass_id and self.klass.kind != Unit.Kind.CLASS:
            errors["klass"] = _("Choose a class.")
        if self.bed_id:
            if self.bed.kind != Place.Kind.BED:
                errors["bed"] = _("Choose a bed.")
            elif self.bed.institution_id != self.institution_id:
                errors["bed"] = _("The bed belongs to another institution.")
            elif self.bed.is_archived:
                errors["bed"] = _("The bed is archived.")
        if errors:
            raise ValidationError(errors)


class Staff(Person):
    """A member of staff (教职工): teachers, counselors, administrators, guards, hospital staff."""

    staff_number = models.CharField(_("staff number"), max_length=32)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit"))
    title = models.CharField(_("title"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["staff_number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "staff_number"], name="unique_staff_number"),
        ]


class AssignmentRole:
    """The keys of the roles the platform ships with, as constants for code that names one.
    Which roles exist, their labels, where they may be held and what they give come from the
    registry (fangxian.org.registry), filled by the apps that own them: org registers these
    (fangxian/org/roles.py) except GATE_GUARD and SECURITY_OFFICE, which gates registers."""

    LEADER = "leader"
    COLLEGE_SECRETARY = "college_secretary"
    COLLEGE_DEAN = "college_dean"
    COLLEGE_ADMIN = "college_admin"
    RESPONSIBLE = "responsible"
    COUNSELOR = "counselor"
    CLASS_TEACHER = "class_teacher"
    BUILDING_MANAGER = "building_manager"
    ONE_TO_ONE = "one_to_one"
    GATE_GUARD = "gate_guard"
    LAB_SAFETY = "lab_safety"
    ROOM_HEAD = "room_head"
    SECURITY_OFFICE = "security_office"


def day_start(day: date) -> datetime:
    """Midnight at the start of a local day (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


class AssignmentQuerySet(models.QuerySet):
    def active_on(self, day: date):
        """In force at some moment of the local day `day` (a 20:00–08:00 shift is active on both days)."""
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))

    def active_at(self, moment: datetime):
        """In force at `moment` (an aware datetime): day-granular assignments on its local day,
        time-bound ones when starts_at <= moment < ends_at."""
        day = timezone.localdate(moment)
        started = Q(starts_at__isnull=True, start_date__lte=day) | Q(starts_at__lte=moment)
        not_ended = Q(ends_at__isnull=True) & (Q(end_date__isnull=True) | Q(end_date__gte=day)) | Q(ends_at__gt=moment)
        return self.filter(started & not_ended)

    def active(self):
        return self.active_on(timezone.localdate())

    def active_now(self):
        return self.active_at(timezone.now())

    def visible_to(self, user):
        """The assignments `user` may see: their own, and those on what they see."""
        from .scope import scope_of

        return scope_of(user).assignments(self)


class Assignment(models.Model):
    """Responsibility (责任): a member of staff holds a role for a unit, a place or one
    student, from a date to a date (inclusive; no end date means until further notice).
    Handing over ends one assignment and starts the next, so history answers "who was
    responsible on day D".

    An assignment may also be bound to time (a duty shift 20:00–08:00, a leave 11:00–18:00):
    `starts_at` and `ends_at` (aware, the end excluded) then say exactly when, and the dates
    are derived from them (the local days the window touches), so day-granular questions
    ("on day D") keep working. Which roles exist comes from fangxian.org.registry."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("staff member"))
    role = models.CharField(_("role"), max_length=24)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments", verbose_name=_("unit"))
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments", verbose_name=_("place"))
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments", verbose_name=_("student")
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)
    starts_at = models.DateTimeField(_("start time"), null=True, blank=True)
    ends_at = models.DateTimeField(_("end time"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="assignment_ends_after_start",
                violation_error_message=_("An assignment cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="assignment_end_time_after_start_time",
                violation_error_message=_("The end time must be after the start time."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, place__isnull=True, student__isnull=True)
                    | Q(unit__isnull=True, place__isnull=False, student__isnull=True)
                    | Q(unit__isnull=True, place__isnull=True, student__isnull=False)
                ),
                name="assignment_has_one_target",
                violation_error_message=_("An assignment is for exactly one unit, place or student."),
            ),
        ]
        indexes = [
            models.Index(fields=["role", "unit", "start_date"]),
            models.Index(fields=["role", "place", "start_date"]),
            models.Index(fields=["role", "student", "start_date"]),
            models.Index(fields=["staff", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()} · {self.target}"

    def get_role_display(self) -> str:
        from .registry import role_label

        return role_label(self.role)

    @property
    def target(self):
        return self.unit or self.place or self.student

    @property
    def is_time_bound(self) -> bool:
        return self.starts_at is not None or self.ends_at is not None

    def window(self) -> tuple[datetime, datetime | None]:
        """The moments the assignment is in force: [start, end), end None for open-ended."""
        start = self.starts_at or day_start(self.start_date)
        if self.ends_at is not None:
            return start, self.ends_at
        return start, day_start(self.end_date + timedelta(days=1)) if self.end_date else None

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def is_active_at(self, moment: datetime) -> bool:
        start, end = self.window()
        return start <= moment and (end is None or moment < end)

    def sync_dates(self) -> dict:
        """Derive the dates from the time window, where one is given. A date that was given
        and disagrees with its time is reported (field → message), not overwritten."""
        errors: dict = {}
        if self.starts_at is not None:
            if timezone.is_naive(self.starts_at):
                self.starts_at = timezone.make_aware(self.starts_at)
            day = timezone.localdate(self.starts_at)
            if self.start_date is not None and self.start_date != day:
                errors["start_date"] = _("The start date is not the day of the start time (%(day)s).") % {"day": day.isoformat()}
            else:
                self.start_date = day
        if self.ends_at is not None:
            if timezone.is_naive(self.ends_at):
                self.ends_at = timezone.make_aware(self.ends_at)
            # The last day in force: an end at midnight does not touch the next day.
            day = timezone.localdate(self.ends_at - timedelta(microseconds=1))
            if self.end_date is not None and self.end_date != day:
                errors["end_date"] = _("The end date is not the last day of the end time (%(day)s).") % {"day": day.isoformat()}
            else:
                self.end_date = day
        return errors

    def clean_fields(self, exclude=None) -> None:
        # The dates may come from the time window: derive them before "required" is checked.
        errors = self.sync_dates()
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = {**exc.message_dict, **errors}
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.sync_dates()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .registry import assignment_role

        super().clean()
        errors: dict = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("An assignment cannot end before it starts.")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end time must be after the start time.")
        elif self.ends_at and self.start_date and not self.starts_at and self.ends_at <= day_start(self.start_date):
            errors["ends_at"] = _("The end time must be after the start date.")
        spec = assignment_role(self.role) if self.role else None
        targets = [t for t in (self.unit_id, self.place_id, self.student_id) if t]
        if self.role and spec is None:
            errors["role"] = _("Unknown role “%(role)s”.") % {"role": self.role}
        elif len(targets) != 1:
            errors["__all__"] = _("An assignment is for exactly one unit, place or student.")
        elif spec is not None and not spec.allows(self.target):
            errors["__all__"] = _("This role cannot be held for %(target)s.") % {"target": self.target}
        if self.staff_id and not errors:
            target = self.unit or self.place or self.student
            target_institution = target.institution_id
            if target_institution != self.staff.institution_id:
                errors["staff"] = _("The staff member belongs to another institution.")
        if errors:
            raise ValidationError(errors)
