"""Writes for care: plans and follow-ups, help requests, canteen reports and meal ratings,
fever referrals. Keyword-only, one transaction each, Chinese messages naming the field; the
caller has checked the role and scope (views, API), these check the data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.deadlines.services import cancel, close, set_deadline
from fangxian.notify.services import notify_users
from fangxian.org.chain import holders_above, holders_on, users_of
from fangxian.org.models import AssignmentRole, Staff, Student, Unit

from .models import Canteen, CanteenReport, CareKind, CarePlan, FeverReferral, FollowUp, HelpRequest, Meal, MealRating

FOLLOW_UP_KIND = "care.follow_up"
HELP_KIND = "care.help"
CANTEEN_REPORT_KIND = "care.canteen_report"
# The time a help request is to be answered in, by kind: feeling ill first.
HELP_LIMITS = {
    HelpRequest.Kind.ILLNESS: timedelta(minutes=30),
    HelpRequest.Kind.MEAL: timedelta(hours=1),
    HelpRequest.Kind.TALK: timedelta(hours=2),
    HelpRequest.Kind.REPAIR: timedelta(hours=4),
    HelpRequest.Kind.OTHER: timedelta(hours=2),
}
FOLLOW_UP_HOUR = time(20, 0)  # a follow-up due on a day is due by 20:00 of it
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock may run a little ahead
CANTEEN_REPORT_DAYS_BACK = 7  # a canteen may correct the last week's reports
RATING_DAYS_BACK = 1  # a meal is rated the same day or the day after


def _due_after(moment: datetime, days: int) -> datetime:
    day = timezone.localdate(moment) + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, FOLLOW_UP_HOUR))


def _staff_of(user) -> Staff | None:
    return Staff.objects.filter(user=user, is_active=True).first() if user is not None and user.is_authenticated else None


def default_owner(student: Student) -> Staff | None:
    """Who looks after a student by default: their one-to-one staff, else the nearest class
    teacher or counselor (fangxian.org.chain)."""
    staff = holders_on(student, [AssignmentRole.ONE_TO_ONE])
    if not staff:
        staff = holders_above(student, [AssignmentRole.CLASS_TEACHER, AssignmentRole.COUNSELOR])
    return staff[0] if staff else None


def helpers_of(student: Student) -> list[Staff]:
    """Who a help request goes to: the one-to-one staff, else the class teacher or counselor."""
    return holders_on(student, [AssignmentRole.ONE_TO_ONE]) or holders_above(
        student, [AssignmentRole.CLASS_TEACHER, AssignmentRole.COUNSELOR]
    )


# -- care plans and follow-ups --------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    student: Student,
    kind: str,
    interval_days: int,
    starts_on: date,
    by,
    owner: Staff | None = None,
    group_code: str = "",
    groups: dict[str, str] | None = None,
    note: str = "",
) -> CarePlan:
    """Open a care plan. `groups` is {code: name} of the special groups known (the ledger's);
    the owner defaults to the student's one-to-one staff."""
    errors: dict[str, str] = {}
    if kind not in CareKind.values:
        errors["kind"] = _("Choose the kind of care.")
    if not isinstance(interval_days, int) or not 1 <= interval_days <= 90:
        errors["interval_days"] = _("Follow up at least every 90 days and at most daily.")
    groups = groups or {}
    if group_code and group_code not in groups:
        errors["group_code"] = _("Unknown special group “%(code)s”.") % {"code": group_code}
    owner = owner or default_owner(student)
    if owner is None:
        errors["owner"] = _("The student has no one-to-one staff member: choose who looks after them.")
    elif owner.institution_id != student.institution_id or not owner.is_active:
        errors["owner"] = _("Choose an active member of staff of the student's institution.")
    if kind in CareKind.values and CarePlan.objects.active().filter(student=student, kind=kind).exists():
        errors["kind"] = _("This student already has an active care plan of this kind.")
    if errors:
        raise ValidationError(errors)
    start = timezone.make_aware(datetime.combine(starts_on, time.min))
    plan = CarePlan(
        student=student,
        kind=kind,
        group_code=group_code,
        group_name=groups.get(group_code, ""),
        owner=owner,
        interval_days=interval_days,
        starts_on=starts_on,
        note=note.strip(),
        next_due_at=_due_after(start, interval_days),
        created_by=by,
    )
    plan.full_clean()
    plan.save()
    set_deadline(plan, FOLLOW_UP_KIND, plan.next_due_at)
    if owner.user_id and (by is None or owner.user_id != by.pk):
        notify_users(
            users=[owner.user],
            kind="care.plan",
            title=_("You look after %(name)s (%(kind)s)") % {"name": student.name, "kind": plan.get_kind_display()},
            body=_("Follow up every %(days)s days.") % {"days": interval_days},
            url=reverse("care:plan", args=[plan.pk]),
        )
    return plan


@transaction.atomic
def plan_end(*, plan: CarePlan, by) -> CarePlan:
    plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.ended_at is not None:
        raise ValidationError(_("The care plan has already ended."))
    plan.ended_at = timezone.now()
    plan.ended_by = by
    plan.save(update_fields=["ended_at", "ended_by"])
    cancel(plan, FOLLOW_UP_KIND)
    return plan


@transaction.atomic
def follow_up_log(
    *, plan: CarePlan, by, at: datetime, mode: str, content: str, needs_attention: bool = False, now: datetime | None = None
) -> FollowUp:
    """Log a follow-up; the plan's clock starts again from it."""
    now = now or timezone.now()
    plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
    errors: dict[str, str] = {}
    if plan.ended_at is not None:
        raise ValidationError(_("The care plan has ended: no follow-up can be logged."))
    content = (content or "").strip()
    if not content:
        errors["content"] = _("Say what was said and done.")
    elif len(content) > 2000:
        errors["content"] = _("At most 2000 characters.")
    if mode not in FollowUp.Mode.values:
        errors["mode"] = _("Choose how the follow-up was made.")
    if at is None:
        errors["at"] = _("Give the time of the follow-up.")
    elif at > now + CLOCK_SKEW:
        errors["at"] = _("The time of the follow-up is in the future.")
    elif timezone.localdate(at) < plan.starts_on:
        errors["at"] = _("The time of the follow-up is before the plan started (%(day)s).") % {"day": plan.starts_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    follow_up = FollowUp.objects.create(
        plan=plan,
        student_id=plan.student_id,
        kind=plan.kind,
        at=at,
        mode=mode,
        content=content,
        needs_attention=needs_attention,
        staff=_staff_of(by),
        by=by,
    )
    if plan.last_follow_up_at is None or at > plan.last_follow_up_at:
        plan.last_follow_up_at = at
        plan.next_due_at = _due_after(at, plan.interval_days)
        plan.save(update_fields=["last_follow_up_at", "next_due_at"])
        set_deadline(plan, FOLLOW_UP_KIND, plan.next_due_at)
    return follow_up


# -- help requests ----------------------------------------------------------------------------


@transaction.atomic
def help_ask(*, student: Student, kind: str, text: str, token: str = "", by=None, now: datetime | None = None) -> HelpRequest:
    """A student asks for help. The same submission sent twice (its `token`) is one request."""
    now = now or timezone.now()
    token = (token or "")[:40]
    if token:
        known = HelpRequest.objects.filter(student=student, token=token).first()
        if known is not None:
            return known
    errors: dict[str, str] = {}
    if kind not in HelpRequest.Kind.values:
        errors["kind"] = _("Choose what you need help with.")
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Say in a few words what is the matter.")
    elif len(text) > 500:
        errors["text"] = _("At most 500 characters.")
    if errors:
        raise ValidationError(errors)
    staff = helpers_of(student)
    request = HelpRequest.objects.create(
        student=student,
        kind=kind,
        text=text,
        token=token,
        staff=staff[0] if staff else None,
        created_at=now,
        due_at=now + HELP_LIMITS[kind],
    )
    set_deadline(request, HELP_KIND, request.due_at)
    notify_users(
        users=users_of(staff),
        kind="care.help.asked",
        title=_("%(name)s asks for help: %(kind)s") % {"name": student.name, "kind": request.get_kind_display()},
        body=_("%(text)s\nAnswer by %(due)s.") % {"text": text, "due": timezone.localtime(request.due_at).strftime("%H:%M")},
        url=reverse("care:help", args=[request.pk]),
    )
    return request


@transaction.atomic
def help_answer(*, request: HelpRequest, by, answer: str, now: datetime | None = None) -> HelpRequest:
    now = now or timezone.now()
    request = HelpRequest.objects.select_for_update(of=("self",)).select_related("student").get(pk=request.pk)
    if request.answered_at is not None:
        raise ValidationError(_("This request has already been answered."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer the student will read.")})
    if len(answer) > 500:
        raise ValidationError({"answer": _("At most 500 characters.")})
    staff = _staff_of(by)
    request.answer = answer
    request.answered_by = by
    request.answered_by_name = (staff.name if staff else getattr(by, "full_name", "") or by.get_username())[:50]
    request.answered_at = now
    request.save(update_fields=["answer", "answered_by", "answered_by_name", "answered_at"])
    close(request, HELP_KIND, at=now)
    if request.student.user_id:
        notify_users(
            users=[request.student.user],
            kind="care.help.answered",
            title=_("Your request for help has been answered"),
            body=answer,
            url=reverse("care:ask"),
        )
    return request


# -- meals ------------------------------------------------------------------------------------


@transaction.atomic
def canteen_report_submit(
    *,
    canteen: Canteen,
    day: date,
    by,
    windows_open: int,
    meals_served: int,
    samples_kept: bool,
    staff_checked: int,
    staff_unwell: int = 0,
    note: str = "",
    today: date | None = None,
) -> CanteenReport:
    """A canteen's report for a day; sending it again corrects it (one report per day)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if day > today:
        errors["day"] = _("The report's date %(day)s is in the future.") % {"day": day.isoformat()}
    elif day < today - timedelta(days=CANTEEN_REPORT_DAYS_BACK):
        errors["day"] = _("Reports older than %(n)s days cannot be changed.") % {"n": CANTEEN_REPORT_DAYS_BACK}
    for name, value, most in (
        ("windows_open", windows_open, 500),
        ("meals_served", meals_served, 100000),
        ("staff_checked", staff_checked, 2000),
    ):
        if not isinstance(value, int) or value < 0 or value > most:
            errors[name] = _("Give a whole number from 0 to %(most)s.") % {"most": most}
    if not isinstance(staff_unwell, int) or staff_unwell < 0:
        errors["staff_unwell"] = _("Give a whole number from 0 to %(most)s.") % {"most": 2000}
    elif isinstance(staff_checked, int) and staff_unwell > staff_checked:
        errors["staff_unwell"] = _("More staff unwell (%(unwell)s) than health-checked (%(checked)s).") % {
            "unwell": staff_unwell,
            "checked": staff_checked,
        }
    note = (note or "").strip()
    if not samples_kept and not note:
        errors["note"] = _("Food samples were not kept for 48 hours: say why and what was done.")
    if staff_unwell and not note:
        errors["note"] = _("Say what was done about the staff who are unwell.")
    if errors:
        raise ValidationError(errors)
    values = {
        "windows_open": windows_open,
        "meals_served": meals_served,
        "samples_kept": samples_kept,
        "staff_checked": staff_checked,
        "staff_unwell": staff_unwell,
        "note": note[:300],
        "reported_by": by,
        "reported_at": timezone.now(),
    }
    # The day's clock stops (fangxian.deadlines: care.canteen_report), whether it was set yet or not.
    close(canteen, CANTEEN_REPORT_KIND, key=day.isoformat())
    report = CanteenReport.objects.select_for_update().filter(canteen=canteen, day=day).first()
    if report is None:
        try:
            with transaction.atomic():
                return CanteenReport.objects.create(canteen=canteen, day=day, **values)
        except IntegrityError:  # sent twice at once: the other one won, correct it
            report = CanteenReport.objects.select_for_update().get(canteen=canteen, day=day)
    for name, value in values.items():
        setattr(report, name, value)
    report.revision += 1
    report.save()
    return report


def rating_exists_message(day: date, meal: str) -> str:
    return _("You have already rated %(meal)s of %(day)s: each meal is rated once.") % {
        "meal": Meal(meal).label,
        "day": day.isoformat(),
    }


@transaction.atomic
def meal_rate(
    *,
    student: Student,
    canteen: Canteen,
    day: date,
    meal: str,
    score: int,
    comment: str = "",
    complaint: bool = False,
    today: date | None = None,
) -> MealRating:
    """A student rates a meal, once. A score of 1 or 2 is a complaint for the logistics office."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if meal not in Meal.values:
        errors["meal"] = _("Choose the meal.")
    if not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = _("Give 1 to 5 stars.")
    if day > today:
        errors["day"] = _("A meal of %(day)s cannot be rated yet.") % {"day": day.isoformat()}
    elif day < today - timedelta(days=RATING_DAYS_BACK):
        errors["day"] = _("A meal can be rated on its day or the day after.")
    if not canteen.is_active or canteen.institution_id != student.institution_id:
        errors["canteen"] = _("Choose a canteen of your school.")
    comment = (comment or "").strip()
    if len(comment) > 300:
        errors["comment"] = _("At most 300 characters.")
    if complaint and not comment:
        errors["comment"] = _("Say what the complaint is about.")
    if errors:
        raise ValidationError(errors)
    if meal in Meal.values and MealRating.objects.filter(student=student, day=day, meal=meal).exists():
        raise ValidationError({"meal": rating_exists_message(day, meal)})
    try:
        with transaction.atomic():
            return MealRating.objects.create(
                canteen=canteen,
                student=student,
                day=day,
                meal=meal,
                score=score,
                comment=comment,
                is_complaint=bool(complaint or score <= 2),
            )
    except IntegrityError:  # two taps at once: the first one counts
        raise ValidationError({"meal": rating_exists_message(day, meal)}) from None


@transaction.atomic
def complaint_answer(*, rating: MealRating, by, reply: str) -> MealRating:
    rating = MealRating.objects.select_for_update(of=("self",)).select_related("student").get(pk=rating.pk)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("Write the reply the student will read.")})
    if len(reply) > 300:
        raise ValidationError({"reply": _("At most 300 characters.")})
    if rating.replied_at is not None:
        raise ValidationError(_("This complaint has already been answered."))
    rating.reply = reply
    rating.replied_by = by
    rating.replied_at = timezone.now()
    rating.save(update_fields=["reply", "replied_by", "replied_at"])
    if rating.student.user_id:
        notify_users(
            users=[rating.student.user],
            kind="care.meal.reply",
            title=_("The logistics office answered your comment on %(meal)s") % {"meal": rating.get_meal_display()},
            body=reply,
            url=reverse("care:meals"),
        )
    return rating


# -- fever referrals --------------------------------------------------------------------------

TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))


def _check_temperature(temperature) -> str | None:
    if temperature is None:
        return None
    if not TEMPERATURE_RANGE[0] <= temperature <= TEMPERATURE_RANGE[1]:
        return _("A temperature from 34.0 to 43.0 °C.")
    return None


@transaction.atomic
def referral_create(
    *,
    student: Student,
    hospital: Unit,
    referred_at: datetime,
    from_where: str,
    by,
    temperature: Decimal | None = None,
    symptoms: str = "",
    now: datetime | None = None,
) -> FeverReferral:
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if hospital.kind != Unit.Kind.HOSPITAL or hospital.institution_id != student.institution_id:
        errors["hospital"] = _("Choose the affiliated hospital.")
    if referred_at is None:
        errors["referred_at"] = _("Give the time of the referral.")
    elif referred_at > now + CLOCK_SKEW:
        errors["referred_at"] = _("The time of the referral is in the future.")
    elif referred_at < now - timedelta(days=30):
        errors["referred_at"] = _("The referral is more than 30 days ago.")
    from_where = (from_where or "").strip()
    if not from_where:
        errors["from_where"] = _("Say where the student was sent from.")
    problem = _check_temperature(temperature)
    if problem:
        errors["temperature"] = problem
    if errors:
        raise ValidationError(errors)
    if FeverReferral.objects.filter(student=student, back_on_campus_at__isnull=True).exists():
        raise ValidationError(_("%(name)s already has an open referral: record its result first.") % {"name": student.name})
    referral = FeverReferral.objects.create(
        student=student,
        hospital=hospital,
        referred_at=referred_at,
        from_where=from_where[:100],
        temperature=temperature,
        symptoms=(symptoms or "").strip()[:200],
        referred_by=by,
        updated_by=by,
    )
    return referral


@transaction.atomic
def referral_update(
    *, referral: FeverReferral, by, result: str, back_on_campus_at: datetime | None = None, note: str = "", now: datetime | None = None
) -> FeverReferral:
    """The clinic's result; a student back on campus closes the referral."""
    now = now or timezone.now()
    referral = FeverReferral.objects.select_for_update().get(pk=referral.pk)
    errors: dict[str, str] = {}
    if result not in FeverReferral.Result.values:
        errors["result"] = _("Choose the result.")
    if back_on_campus_at is not None:
        if result == FeverReferral.Result.PENDING:
            errors["back_on_campus_at"] = _("A student waiting for the result is not back on campus.")
        elif back_on_campus_at < referral.referred_at:
            errors["back_on_campus_at"] = _("Back on campus before the referral (%(at)s)?") % {
                "at": timezone.localtime(referral.referred_at).strftime("%Y-%m-%d %H:%M")
            }
        elif back_on_campus_at > now + CLOCK_SKEW:
            errors["back_on_campus_at"] = _("The time back on campus is in the future.")
    if errors:
        raise ValidationError(errors)
    if referral.result != result:
        referral.result_at = now
    referral.result = result
    referral.back_on_campus_at = back_on_campus_at
    referral.note = (note or "").strip()[:300]
    referral.updated_by = by
    referral.save(update_fields=["result", "result_at", "back_on_campus_at", "note", "updated_by"])
    return referral
