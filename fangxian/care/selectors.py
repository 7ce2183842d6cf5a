"""Reads for care, already scoped to the user.

Public for other apps (the dashboard): `fever_referrals_at(moment, student_ids=None)` and its
ids `fever_referred_ids_at` (unscoped: the caller applies its own scope), and
`day_figures(user, day)` (scoped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from .models import Canteen, CanteenReport, CarePlan, FeverReferral, FollowUp, HelpRequest, MealRating


def visible_plans(user) -> QuerySet[CarePlan]:
    return CarePlan.objects.visible_to(user)


def visible_follow_ups(user) -> QuerySet[FollowUp]:
    return FollowUp.objects.visible_to(user)


def visible_help(user) -> QuerySet[HelpRequest]:
    return HelpRequest.objects.visible_to(user)


def visible_canteens(user) -> QuerySet[Canteen]:
    return Canteen.objects.visible_to(user)


def visible_reports(user) -> QuerySet[CanteenReport]:
    return CanteenReport.objects.visible_to(user)


def visible_ratings(user) -> QuerySet[MealRating]:
    return MealRating.objects.visible_to(user)


def visible_referrals(user) -> QuerySet[FeverReferral]:
    return FeverReferral.objects.visible_to(user)


def plan_list(user, *, kind: str = "", overdue: bool = False, mine: bool = False, now: datetime | None = None) -> QuerySet[CarePlan]:
    plans = visible_plans(user).active().select_related("student", "student__klass", "owner")
    if kind:
        plans = plans.filter(kind=kind)
    if overdue:
        plans = plans.filter(next_due_at__lt=now or timezone.now())
    if mine:
        plans = plans.filter(owner__user=user)
    return plans.order_by("next_due_at", "id")


def overdue_plans(user, now: datetime | None = None) -> QuerySet[CarePlan]:
    return visible_plans(user).overdue(now)


def open_help(user) -> QuerySet[HelpRequest]:
    return visible_help(user).open()


def my_help(student) -> QuerySet[HelpRequest]:
    return HelpRequest.objects.filter(student=student).order_by("-created_at", "-id")


@dataclass
class CanteenDay:
    canteen: Canteen
    day: date
    report: CanteenReport | None
    ratings: int
    average: float | None
    complaints: int
    unanswered: int
    overdue: bool = False  # not reported, and the day's report was due (care.deadlines) before now


def canteen_days(user, days: list[date], now: datetime | None = None) -> list[CanteenDay]:
    """Per canteen and day: the report, the ratings, their average and the complaints (three queries)."""
    from .deadlines import canteen_report_due

    now = now or timezone.now()
    late = {day for day in days if canteen_report_due(day) < now}
    canteens = list(visible_canteens(user).filter(is_active=True).order_by("sort_order", "name", "id"))
    ids = [c.pk for c in canteens]
    reports = {(r.canteen_id, r.day): r for r in CanteenReport.objects.filter(canteen_id__in=ids, day__in=days)}
    rows = (
        MealRating.objects.filter(canteen_id__in=ids, day__in=days)
        .values("canteen_id", "day")
        .annotate(
            n=Count("id"),
            avg=Avg("score"),
            complaints=Count("id", filter=Q(is_complaint=True)),
            unanswered=Count("id", filter=Q(is_complaint=True, replied_at__isnull=True)),
        )
        .order_by()
    )
    figures = {(r["canteen_id"], r["day"]): r for r in rows}
    out = []
    for day in sorted(days, reverse=True):
        for canteen in canteens:
            f = figures.get((canteen.pk, day), {})
            avg = f.get("avg")
            out.append(
                CanteenDay(
                    canteen,
                    day,
                    reports.get((canteen.pk, day)),
                    f.get("n", 0),
                    round(float(avg), 1) if avg is not None else None,
                    f.get("complaints", 0),
                    f.get("unanswered", 0),
                    overdue=day in late and (canteen.pk, day) not in reports,
                )
            )
    return out


def complaints(user, *, day: date | None = None, canteen: int | None = None, unanswered: bool = False) -> QuerySet[MealRating]:
    rows = visible_ratings(user).complaints().select_related("canteen", "student")
    if day:
        rows = rows.filter(day=day)
    if canteen:
        rows = rows.filter(canteen_id=canteen)
    if unanswered:
        rows = rows.filter(replied_at__isnull=True)
    return rows.order_by("-day", "-created_at", "-id")


def referral_list(user, *, open_only: bool = False) -> QuerySet[FeverReferral]:
    rows = visible_referrals(user).select_related("student", "student__klass", "hospital")
    if open_only:
        rows = rows.filter(back_on_campus_at__isnull=True)
    return rows.order_by("-referred_at", "-id")


# -- public, unscoped: for the dashboard's reconciliation -------------------------------------


def fever_referred_ids_at(moment: datetime, student_ids=None) -> set[int]:
    """Students away at the fever clinic (or isolated, or admitted) at `moment`: a reason for
    absence in the headcount reconciliation."""
    return set(fever_referrals_at(moment, student_ids))


def fever_referrals_at(moment: datetime, student_ids=None) -> dict[int, datetime]:
    """{student id: when they were referred} of the students (all, or these: `student_ids` may
    be a subquery) away at the fever clinic at `moment`, in one query: the reconciliation names
    them as absent whether or not they scanned out at a gate."""
    rows = FeverReferral.objects.open_at(moment).order_by("referred_at")
    if student_ids is not None:
        rows = rows.filter(student_id__in=student_ids)
    return dict(rows.values_list("student_id", "referred_at"))


# -- figures for tiles --------------------------------------------------------------------------


@dataclass
class DayFigures:
    overdue: int
    open_help: int
    ratings: int
    average: float | None


def day_figures(user, day: date, now: datetime | None = None) -> DayFigures:
    """The dashboard's care figures for a day, in the user's scope (three queries)."""
    now = now or timezone.now()
    ratings = visible_ratings(user).filter(day=day).aggregate(n=Count("id"), avg=Avg("score"))
    return DayFigures(
        overdue=overdue_plans(user, now).count(),
        open_help=open_help(user).count(),
        ratings=ratings["n"],
        average=round(float(ratings["avg"]), 1) if ratings["avg"] is not None else None,
    )


def student_meal_figures(student_ids, day: date) -> dict[str, int]:
    """Meal ratings and complaints of these students on `day` (the college report's pre-fill)."""
    rows = MealRating.objects.filter(student_id__in=student_ids, day=day).aggregate(
        n=Count("id"), complaints=Count("id", filter=Q(is_complaint=True))
    )
    return {"ratings": rows["n"], "complaints": rows["complaints"]}


def overdue_by_unit(now: datetime) -> dict[int, list[CarePlan]]:
    """Overdue care plans grouped by the student's college (the supervision rule)."""
    from fangxian.org.models import Unit

    plans = CarePlan.objects.overdue(now).select_related("student__klass", "owner", "student")
    grouped: dict[int, list[CarePlan]] = {}
    for plan in plans.order_by("next_due_at", "id"):
        ids = plan.student.klass.ancestor_ids()
        college_id = ids[1] if len(ids) > 1 else plan.student.klass_id
        grouped.setdefault(college_id, []).append(plan)
    known = set(Unit.objects.filter(pk__in=grouped).values_list("pk", flat=True))
    return {k: v for k, v in grouped.items() if k in known}


def referrals_on(unit, day: date) -> int:
    """Students referred to this hospital's fever clinic on `day` (the hospital report's pre-fill);
    for another unit, its students referred that day."""
    from datetime import time as dtime
    from datetime import timedelta

    from fangxian.org.models import Unit

    start = timezone.make_aware(datetime.combine(day, dtime.min))
    rows = FeverReferral.objects.filter(referred_at__gte=start, referred_at__lt=start + timedelta(days=1))
    if unit.kind == Unit.Kind.HOSPITAL:
        return rows.filter(hospital_id=unit.pk).count()
    return rows.filter(student__klass__path__startswith=unit.path).count()
