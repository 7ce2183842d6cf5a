"""The dashboard's own tables: daily roll-ups (汇总) maintained by `rollup.refresh_day`, and
the days marked for a refresh. Nothing else in the platform writes here, and the dashboard
writes nothing anywhere else. Ids of other apps' rows are kept as plain integers: the
roll-ups are derived data, rebuilt at will, and must not hold deletions back."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class DirtyDay(models.Model):
    """A day whose roll-ups are stale: marked by cheap signals when the data of that day
    changes, consumed every minute by `tasks.refresh_dirty_days`."""

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.day}"


class StudentDayScan(models.Model):
    """A student's last allowed gate scan of one day (from that day's scans only). Presence
    on day D is the latest of these over D and the days before it (a week back), so that a
    day's figures never read more than one day of raw scans."""

    day = models.DateField()
    student_id = models.BigIntegerField()
    campus_id = models.BigIntegerField()
    direction = models.CharField(max_length=3)
    last_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "student_id"], name="dashboard_one_scan_state_per_student_day")]

    def __str__(self) -> str:
        return f"{self.day} S{self.student_id} {self.direction}"


class ClassDay(models.Model):
    """One class on one campus on one day: students in the ledger (by category), gate
    presence, out and not back, out on an approved leave that still runs, in by scans but
    not in the ledger, overdue returns, and students without a one-to-one staff member."""

    day = models.DateField()
    campus_id = models.BigIntegerField()
    college_id = models.BigIntegerField()
    klass_id = models.BigIntegerField()
    ledger = models.IntegerField(default=0)
    by_category = models.JSONField(default=dict)
    present = models.IntegerField(default=0)  # ledger − out_not_back − on_leave + in_unexpected
    out_not_back = models.IntegerField(default=0)
    on_leave = models.IntegerField(default=0)
    in_unexpected = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    no_one_to_one = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "college_id"]), models.Index(fields=["day", "campus_id"])]
        constraints = [models.UniqueConstraint(fields=["day", "campus_id", "klass_id"], name="dashboard_one_row_per_class_day")]

    def __str__(self) -> str:
        return f"{self.day} class {self.klass_id}"


class CollegeDay(models.Model):
    """A college (or any unit that reports) on one day: its daily reports and the coverage
    gaps of the nodes under it."""

    day = models.DateField()
    college_id = models.BigIntegerField()
    reports_expected = models.IntegerField(default=0)
    reports_in = models.IntegerField(default=0)
    reported_headcount = models.IntegerField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    gaps = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "college_id"], name="dashboard_one_row_per_college_day")]

    def __str__(self) -> str:
        return f"{self.day} college {self.college_id}"


class CampusDay(models.Model):
    """A campus on one day: gate traffic by hour, refused attempts, campus-level gaps."""

    day = models.DateField()
    campus_id = models.BigIntegerField()
    traffic_in = models.JSONField(default=list)  # 24 counts of allowed entries, by local hour
    traffic_out = models.JSONField(default=list)
    refused = models.IntegerField(default=0)
    scans = models.IntegerField(default=0)
    gaps = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "campus_id"], name="dashboard_one_row_per_campus_day")]

    def __str__(self) -> str:
        return f"{self.day} campus {self.campus_id}"
