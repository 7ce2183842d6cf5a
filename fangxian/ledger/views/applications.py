"""The stay application: the student's own (phone), a counselor's registration of a
student of theirs, and withdrawing it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.core.params import id_param
from fangxian.core.views import error_text, form_errors
from fangxian.org.access import require_write
from fangxian.org.models import Place, Student

from .. import services
from ..access import WRITE_ROLES
from ..forms import ApplicationForm, RegisterForm
from ..models import LIVE_STATUSES, LedgerEntry, StayApplication, StayPeriod


@require_roles(Role.STUDENT)
def apply(request):
    student = get_object_or_404(Student.objects.select_related("bed__parent__parent", "klass"), user=request.user)
    today = timezone.localdate()
    periods = StayPeriod.objects.filter(institution_id=student.institution_id, end_date__gte=today).order_by("start_date")
    period = periods.filter(pk=id_param(request.GET.get("period") or request.POST.get("period"))).first() or periods.first()
    application = (
        StayApplication.objects.filter(student=student, period=period).select_related("reason", "bed__parent__parent").first()
        if period
        else None
    )
    editable = (
        period is not None
        and period.is_open
        and (
            application is None
            or application.stage in (StayApplication.Stage.RETURNED, StayApplication.Stage.SUBMITTED, StayApplication.Stage.WITHDRAWN)
        )
    )
    form = None
    if period is not None and editable:
        beds = _bed_choices(student)
        initial = {"start_date": max(period.start_date, today), "end_date": period.end_date, "bed": student.bed_id}
        if application is not None:
            initial.update(
                {
                    f: getattr(application, f)
                    for f in (
                        "start_date",
                        "end_date",
                        "reason_note",
                        "emergency_contact",
                        "emergency_phone",
                        "parent_name",
                        "parent_phone",
                    )
                }
            )
            initial.update(reason=application.reason_id, bed=application.bed_id)
        form = ApplicationForm(request.POST or None, period=period, beds=beds, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.application_submit(student=student, period=period, by=request.user, **_application_fields(data))
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Your application has been sent to your counselor."))
                return redirect(reverse("ledger:apply") + f"?period={period.pk}")
    return render(
        request, "ledger/apply.html", {"student": student, "periods": periods, "period": period, "application": application, "form": form}
    )


def _application_fields(data: dict) -> dict:
    """The stay application's fields from the cleaned data of ApplicationForm (the student's
    own form) or RegisterForm (a counselor's registration)."""
    return {
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "reason": data["reason"],
        "reason_note": data["reason_note"],
        "bed": data["bed"],
        "emergency_contact": data["emergency_contact"],
        "emergency_phone": data["emergency_phone"].replace(" ", ""),
        "parent_name": data["parent_name"],
        "parent_phone": data["parent_phone"].replace(" ", ""),
        "pledge_agreed": data["pledge"],
    }


def _bed_choices(student: Student):
    """The student's own bed and the free beds of their own building (a phone select must
    stay short); with no bed, free beds of dormitories of their gender."""
    free = Place.objects.filter(kind=Place.Kind.BED, archived_at__isnull=True, occupant__isnull=True).exclude(
        pk__in=LedgerEntry.objects.filter(status__in=LIVE_STATUSES).values("bed_id")
    )
    if student.bed_id:
        building = student.bed.parent.parent
        return Place.objects.filter(
            Q(pk=student.bed_id) | Q(pk__in=free.filter(path__startswith=building.path).values("pk"))
        ).select_related("parent__parent")
    rooms = Place.objects.filter(kind=Place.Kind.ROOM, institution_id=student.institution_id).filter(
        Q(gender=student.gender) | Q(gender="", parent__gender=student.gender)
    )
    return free.filter(parent__in=rooms).select_related("parent__parent")[:300]


@require_roles(*WRITE_ROLES)
def register(request):
    """A counselor (or the college) puts a student of theirs on the ledger: find the
    student by 学号 or name, then fill in the application for them."""
    require_write(request.user, WRITE_ROLES)
    today = timezone.localdate()
    query = (request.GET.get("q") or "").strip()[:50]
    student = None
    if id_param(request.GET.get("student") or request.POST.get("student")):
        student = get_object_or_404(
            Student.objects.visible_to(request.user).select_related("klass", "bed__parent__parent"),
            pk=id_param(request.GET.get("student") or request.POST.get("student")),
        )
    found = []
    if query and student is None:
        found = list(
            Student.objects.visible_to(request.user)
            .filter(Q(student_number=query) | Q(name__contains=query))
            .select_related("klass")
            .order_by("student_number")[:20]
        )
    periods = StayPeriod.objects.filter(end_date__gte=today, is_open=True).order_by("start_date")
    period = periods.filter(pk=id_param(request.GET.get("period") or request.POST.get("period"))).first() or periods.first()
    form = None
    if student is not None and period is not None:
        initial = {"start_date": max(period.start_date, today), "end_date": period.end_date, "bed": student.bed_id}
        form = RegisterForm(request.POST or None, period=period, beds=_bed_choices(student), initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.application_register_by_counselor(student=student, period=period, by=request.user, **_application_fields(data))
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("%(student)s is on the ledger; the college confirms the stay.") % {"student": student.name})
                return redirect("ledger:mine")
    return render(
        request,
        "ledger/register.html",
        {"query": query, "found": found, "student": student, "period": period, "periods": periods, "form": form},
    )


@require_roles(Role.STUDENT)
@require_POST
def withdraw(request, pk: int):
    application = get_object_or_404(StayApplication, pk=pk, student__user=request.user)
    try:
        services.application_withdraw(application=application, by=request.user)
        messages.success(request, _("Your application has been withdrawn."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("ledger:apply")
