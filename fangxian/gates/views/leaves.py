"""Leave applications: a student applies or cancels, the responsible staff decide."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.core.views import error_text, form_errors
from fangxian.web.lists import first_n

from .. import selectors, services
from ..forms import LeaveForm
from ..models import LeaveApplication


@login_required
def leave_list(request):
    student = selectors.student_of(request.user)
    staff = selectors.staff_of(request.user)
    if student is None and staff is None:
        raise Http404
    form = LeaveForm(request.POST or None) if student else None
    if request.method == "POST" and student and form.is_valid():
        try:
            services.leave_apply(student=student, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your application has been sent to your responsible staff member."))
            return redirect("gates:leave_list")
    mine = first_n(LeaveApplication.objects.filter(student=student), 50) if student else []
    to_decide, others = [], []
    if staff is not None:
        now = timezone.now()
        recent = first_n(selectors.visible_leaves(request.user).filter(ends_at__gte=now - timedelta(days=14)), 200)
        for leave in recent:
            (to_decide if services.may_decide(leave, staff) else others).append(leave)
    else:
        recent = []
    return render(
        request,
        "gates/leave_list.html",
        {"form": form, "mine": mine, "to_decide": to_decide, "others": others, "recent": recent, "now": timezone.now()},
    )


@login_required
@require_POST
def leave_decide(request, pk: int):
    staff = selectors.staff_of(request.user)
    leave = get_object_or_404(selectors.visible_leaves(request.user), pk=pk)
    try:
        services.leave_decide(
            leave=leave, staff=staff, approve=request.POST.get("decision") == "approve", reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("gates:leave_list")


@login_required
@require_POST
def leave_cancel(request, pk: int):
    student = selectors.student_of(request.user)
    if student is None:
        raise Http404
    leave = get_object_or_404(LeaveApplication, pk=pk, student=student)
    try:
        services.leave_cancel(leave=leave, student=student)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("gates:leave_list")
