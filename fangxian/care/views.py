"""Pages of care: care plans and follow-ups, help requests, meals, fever referrals."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.import_views import xlsx_response
from fangxian.core.params import day_param, id_param
from fangxian.core.views import error_text, form_errors
from fangxian.ledger import selectors as ledger
from fangxian.org.access import can_write, require_write
from fangxian.org.models import Staff, Student, Unit

from . import access, selectors, services
from .forms import (
    AnswerForm,
    CanteenReportForm,
    FollowUpForm,
    HelpForm,
    PlanForm,
    RatingForm,
    ReferralForm,
    ReplyForm,
    ResultForm,
    new_token,
)
from .models import CareKind, FeverReferral, FollowUp, HelpRequest, Meal

CONFIDENTIAL = "confidential"


def _student_of(user) -> Student:
    student = Student.objects.filter(user=user).select_related("klass").first()
    if student is None:
        raise PermissionDenied
    return student


def _visible_student(user, number: str) -> Student | None:
    return Student.objects.visible_to(user).filter(student_number=(number or "").strip()).first()


def reveal(request, follow_up: FollowUp) -> None:
    """Reading a psychological record is logged (who, whose, which)."""
    record_event(
        SecurityEvent.Kind.REVEAL,
        request=request,
        model="care.FollowUp",
        object_id=follow_up.pk,
        student_id=follow_up.student_id,
        field="content",
    )


# -- care plans -------------------------------------------------------------------------------


@require_roles(*access.CARE_READERS)
def plan_list(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in CareKind.values else ""
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    plans = list(selectors.plan_list(request.user, kind=kind, overdue=overdue, mine=mine)[:500])
    now = timezone.now()
    return render(
        request,
        "care/list.html",
        {
            "plans": plans,
            "now": now,
            "kind": kind,
            "kinds": CareKind.choices,
            "overdue": overdue,
            "mine": mine,
            "can_create": can_write(request.user, access.PLAN_WRITERS),
        },
    )


@require_roles(*access.CARE_READERS)
def plans_export(request):
    """The care plans and follow-ups the user sees, as xlsx (psychological content only for
    those who may read it; recorded as an export)."""
    from .exports import export_care_plans

    kind = request.GET.get("kind", "")
    kind = kind if kind in CareKind.values else ""
    content, _rows = export_care_plans(user=request.user, kind=kind, request=request)
    return xlsx_response(content, f"关爱计划-{timezone.localdate().isoformat()}.xlsx")


@require_roles(*access.PLAN_WRITERS)
@require_http_methods(["GET", "POST"])
def plan_new(request):
    require_write(request.user, access.PLAN_WRITERS)
    groups = ledger.categories_by_code()
    initial = {"starts_on": timezone.localdate(), "interval_days": 7}
    student_id = id_param(request.GET.get("student"))
    if student_id:
        student = get_object_or_404(Student.objects.visible_to(request.user), pk=student_id)
        initial["student_number"] = student.student_number
    form = PlanForm(request.POST or None, groups=groups, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        student = _visible_student(request.user, data["student_number"])
        owner = None
        if student is None:
            form.add_error("student_number", _("No student with number %(number)s in your scope.") % {"number": data["student_number"]})
        if data["owner_number"]:
            owner = Staff.objects.visible_to(request.user).filter(staff_number=data["owner_number"].strip(), is_active=True).first()
            if owner is None:
                form.add_error(
                    "owner_number", _("No member of staff with number %(number)s in your scope.") % {"number": data["owner_number"]}
                )
        if not form.errors:
            try:
                plan = services.plan_create(
                    student=student,
                    kind=data["kind"],
                    interval_days=data["interval_days"],
                    starts_on=data["starts_on"],
                    owner=owner,
                    group_code=data["group_code"],
                    groups=groups,
                    note=data["note"],
                    by=request.user,
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Care plan opened."))
                return redirect("care:plan", plan.pk)
    return render(request, "care/plan_new.html", {"form": form})


@require_roles(*access.CARE_READERS)
def plan_detail(request, pk):
    plan = get_object_or_404(selectors.visible_plans(request.user).select_related("student", "student__klass", "owner"), pk=pk)
    may_read = not plan.is_confidential or access.may_read_confidential(request.user, plan.student)
    follow_ups = list(plan.follow_ups.select_related("staff").order_by("-at", "-id"))
    form = (
        FollowUpForm(initial={"at": timezone.localtime().replace(second=0, microsecond=0)}) if access.may_log(request.user, plan) else None
    )
    return render(
        request,
        "care/plan.html",
        {
            "plan": plan,
            "follow_ups": follow_ups,
            "may_read": may_read,
            "form": form if plan.is_active else None,
            "can_end": plan.is_active and can_write(request.user, access.PLAN_WRITERS, plan),
            "now": timezone.now(),
        },
    )


@require_roles(*access.FOLLOW_UP_WRITERS)
@require_POST
def follow_up_new(request, pk):
    plan = get_object_or_404(selectors.visible_plans(request.user).select_related("student", "owner"), pk=pk)
    if not access.may_log(request.user, plan):
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_log(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Follow-up logged."))
            return redirect("care:plan", plan.pk)
    may_read = not plan.is_confidential or access.may_read_confidential(request.user, plan.student)
    follow_ups = list(plan.follow_ups.select_related("staff").order_by("-at", "-id"))
    context = {"plan": plan, "follow_ups": follow_ups, "may_read": may_read, "form": form, "can_end": False, "now": timezone.now()}
    return render(request, "care/plan.html", context, status=400)


@require_roles(*access.PLAN_WRITERS)
@require_POST
def plan_end(request, pk):
    plan = get_object_or_404(selectors.visible_plans(request.user), pk=pk)
    require_write(request.user, access.PLAN_WRITERS, plan)
    try:
        services.plan_end(plan=plan, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Care plan ended."))
    return redirect("care:plan", plan.pk)


@require_roles(*access.CARE_READERS)
def follow_up_detail(request, pk):
    follow_up = get_object_or_404(selectors.visible_follow_ups(request.user).select_related("plan", "student", "staff"), pk=pk)
    may_read = not follow_up.is_confidential or access.may_read_confidential(request.user, follow_up.student)
    if may_read and follow_up.is_confidential:
        reveal(request, follow_up)
    return render(request, "care/follow_up.html", {"f": follow_up, "may_read": may_read})


# -- help requests ----------------------------------------------------------------------------


@require_roles(*access.STUDENTS)
@require_http_methods(["GET", "POST"])
def ask(request):
    student = _student_of(request.user)
    form = HelpForm(request.POST or None, initial={"token": new_token(), "kind": HelpRequest.Kind.MEAL})
    if request.method == "POST" and form.is_valid():
        try:
            services.help_ask(student=student, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your request has been sent to your one-to-one staff member."))
            return redirect("care:ask")
    requests = list(selectors.my_help(student)[:20])
    return render(request, "care/ask.html", {"form": form, "requests": requests, "now": timezone.now()})


@require_roles(*access.HELP_READERS)
def help_list(request):
    since = timezone.now() - timedelta(days=7)
    rows = selectors.visible_help(request.user).select_related("student", "student__klass", "staff")
    open_rows = list(rows.open().order_by("due_at", "id")[:200])
    answered = list(rows.filter(answered_at__gte=since).order_by("-answered_at", "-id")[:100])
    return render(request, "care/help_list.html", {"open_rows": open_rows, "answered": answered, "now": timezone.now()})


@require_roles(*access.HELP_READERS)
def help_detail(request, pk):
    help_request = get_object_or_404(selectors.visible_help(request.user).select_related("student", "student__klass", "staff"), pk=pk)
    form = AnswerForm() if help_request.is_open and can_write(request.user, access.HELP_ANSWERERS, help_request) else None
    return render(request, "care/help.html", {"r": help_request, "form": form, "now": timezone.now()})


@require_roles(*access.HELP_ANSWERERS)
@require_POST
def help_answer(request, pk):
    help_request = get_object_or_404(selectors.visible_help(request.user).select_related("student", "student__klass", "staff"), pk=pk)
    require_write(request.user, access.HELP_ANSWERERS, help_request)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.help_answer(request=help_request, by=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Answer sent to the student."))
            return redirect("care:help", help_request.pk)
    return render(request, "care/help.html", {"r": help_request, "form": form, "now": timezone.now()}, status=400)


# -- meals ------------------------------------------------------------------------------------


def _rating_form(student, data=None):
    canteens = list(selectors.visible_canteens(student.user).filter(is_active=True).order_by("sort_order", "name", "id"))
    hour = timezone.localtime().hour
    meal = Meal.BREAKFAST if hour < 10 else Meal.LUNCH if hour < 16 else Meal.DINNER
    return RatingForm(data, canteens=canteens, initial={"meal": meal, "score": 4}), canteens


@require_roles(*access.STUDENTS)
@require_http_methods(["GET", "POST"])
def meals(request):
    student = _student_of(request.user)
    form, canteens = _rating_form(student, request.POST or None)
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            canteen = next(c for c in canteens if str(c.pk) == data["canteen"])
            try:
                services.meal_rate(
                    student=student,
                    canteen=canteen,
                    day=today,
                    meal=data["meal"],
                    score=data["score"],
                    comment=data["comment"],
                    complaint=data["complaint"],
                )
            except ValidationError as exc:
                form_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("Thank you for rating the meal."))
                return redirect("care:meals")
        else:
            status = 400
    mine = list(
        selectors.visible_ratings(request.user).filter(student=student, day__gte=today - timedelta(days=6)).select_related("canteen")
    )
    rated_today = {r.meal for r in mine if r.day == today}
    return render(request, "care/meals.html", {"form": form, "mine": mine, "rated_today": rated_today, "today": today}, status=status)


@require_roles(*access.MEAL_READERS)
def canteens(request):
    day = day_param(request, at_most_today=True)
    days = [day - timedelta(days=n) for n in range(7)]
    rows = selectors.canteen_days(request.user, days)
    only_open = request.GET.get("open") == "1"
    complaint_rows = list(selectors.complaints(request.user, unanswered=only_open).filter(day__in=days)[:200])
    may_answer = access.may_answer_complaints(request.user)
    show_names = access.is_logistics(request.user)
    return render(
        request,
        "care/canteens.html",
        {
            "day": day,
            "rows": rows,
            "complaints": complaint_rows,
            "may_answer": may_answer,
            "show_names": show_names,
            "only_open": only_open,
            "reply_form": ReplyForm(),
            # Asked once per canteen, not once per canteen and day (a query each for a manager).
            "reportable": {
                c.pk for c in {row.canteen.pk: row.canteen for row in rows}.values() if access.may_report_canteen(request.user, c)
            },
            "may_export": access.may_export_canteens(request.user),
        },
    )


@require_roles(*access.MEAL_READERS)
def canteens_export(request):
    """The week of canteens ending on `?day=` as xlsx: the logistics office's file."""
    if not access.may_export_canteens(request.user):
        raise PermissionDenied
    from .exports import export_canteen_week

    day = day_param(request, at_most_today=True)
    content, _rows = export_canteen_week(user=request.user, day=day, request=request)
    return xlsx_response(content, f"食堂周报-{day.isoformat()}.xlsx")


@require_roles(*access.MEAL_WRITERS)
@require_http_methods(["GET", "POST"])
def canteen_report(request, pk):
    canteen = get_object_or_404(selectors.visible_canteens(request.user), pk=pk)
    if not access.may_report_canteen(request.user, canteen):
        raise PermissionDenied
    day = day_param(request, at_most_today=True)
    existing = selectors.visible_reports(request.user).filter(canteen=canteen, day=day).first()
    initial = {}
    if existing is not None:
        initial = {
            "windows_open": existing.windows_open,
            "meals_served": existing.meals_served,
            "samples_kept": "yes" if existing.samples_kept else "no",
            "staff_checked": existing.staff_checked,
            "staff_unwell": existing.staff_unwell,
            "note": existing.note,
        }
    form = CanteenReportForm(request.POST or None, initial=initial or {"samples_kept": "yes", "staff_unwell": 0})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.canteen_report_submit(canteen=canteen, day=day, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc, non_field=("day",))
                status = 400
            else:
                messages.success(request, _("Canteen report saved."))
                return redirect(f"{request.path}?day={day.isoformat()}")
        else:
            status = 400
    context = {"canteen": canteen, "day": day, "day_key": day.isoformat(), "form": form, "existing": existing}
    return render(request, "care/canteen_report.html", context, status=status)


@require_roles(*access.MEAL_WRITERS)
@require_POST
def complaint_answer(request, pk):
    rating = get_object_or_404(selectors.visible_ratings(request.user).complaints(), pk=pk)
    if not access.may_answer_complaints(request.user):
        raise PermissionDenied
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the reply the student will read."))
    else:
        try:
            services.complaint_answer(rating=rating, by=request.user, reply=form.cleaned_data["reply"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Reply sent to the student."))
    return redirect(f"{_canteens_url()}?day={rating.day.isoformat()}")


def _canteens_url() -> str:
    from django.urls import reverse

    return reverse("care:canteens")


# -- fever referrals --------------------------------------------------------------------------


def _hospitals(user):
    from fangxian.org.scope import scope_of

    hospitals = Unit.objects.active().filter(kind=Unit.Kind.HOSPITAL).order_by("sort_order", "name", "id")
    scope = scope_of(user)
    if not scope.everything:
        student = Student.objects.filter(pk__in=[scope.student_self_id] if scope.student_self_id else []).first()
        staff = Staff.objects.filter(user=user).first()
        institution = (staff or student).institution_id if (staff or student) else None
        hospitals = hospitals.filter(path__startswith=f"/{institution}/") if institution else hospitals.none()
    return list(hospitals)


@require_roles(*access.REFERRAL_READERS)
@require_http_methods(["GET", "POST"])
def referrals(request):
    open_only = request.GET.get("open") == "1"
    rows = list(selectors.referral_list(request.user, open_only=open_only)[:300])
    may_refer = can_write(request.user, access.REFERRAL_WRITERS) and bool(roles_of(request.user) & (access.PLAN_WRITERS))
    hospitals = _hospitals(request.user)
    form = None
    status = 200
    if may_refer:
        form = ReferralForm(
            request.POST or None, hospitals=hospitals, initial={"referred_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                student = _visible_student(request.user, data["student_number"])
                hospital = next((h for h in hospitals if str(h.pk) == data["hospital"]), None)
                if student is None:
                    form.add_error(
                        "student_number", _("No student with number %(number)s in your scope.") % {"number": data["student_number"]}
                    )
                else:
                    try:
                        referral = services.referral_create(
                            student=student,
                            hospital=hospital,
                            referred_at=data["referred_at"],
                            from_where=data["from_where"],
                            temperature=data["temperature"],
                            symptoms=data["symptoms"],
                            by=request.user,
                        )
                    except ValidationError as exc:
                        form_errors(form, exc)
                    else:
                        messages.success(request, _("Referral recorded."))
                        return redirect("care:referral", referral.pk)
            status = 400
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "care/referrals.html", {"rows": rows, "form": form, "open_only": open_only}, status=status)


@require_roles(*access.REFERRAL_READERS)
@require_http_methods(["GET", "POST"])
def referral_detail(request, pk):
    referral = get_object_or_404(selectors.visible_referrals(request.user).select_related("student", "student__klass", "hospital"), pk=pk)
    may_update = can_write(request.user, access.REFERRAL_WRITERS, referral)
    initial = {
        "result": referral.result,
        "back_on_campus_at": timezone.localtime(referral.back_on_campus_at).replace(tzinfo=None) if referral.back_on_campus_at else None,
        "note": referral.note,
    }
    form = ResultForm(request.POST or None, initial=initial) if may_update else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.referral_update(referral=referral, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Referral updated."))
                return redirect("care:referral", referral.pk)
        status = 400
    return render(request, "care/referral.html", {"r": referral, "form": form, "results": FeverReferral.Result}, status=status)
