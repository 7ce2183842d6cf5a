"""Responsibilities (责任分工): list, create for a node or a student, end, hand over."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.views import error_text, form_errors, safe_next

from .. import selectors, services
from ..access import ASSIGNMENT_READERS, ASSIGNMENT_WRITERS, assignable_roles, assignment_for_change
from ..forms import AssignmentFilterForm, AssignmentForm, EndAssignmentForm, HandoverForm
from ..models import Assignment, Place, Unit


def target_url(target) -> str:
    if isinstance(target, Unit):
        return reverse("org:unit_detail", args=[target.pk])
    if isinstance(target, Place):
        return reverse("org:place_detail", args=[target.pk])
    return reverse("org:student_detail", args=[target.pk])


@require_roles(*ASSIGNMENT_READERS)
def assignment_list(request):
    form = AssignmentFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        on = data["on"]
        if data["current"] and on is None:
            on = timezone.localdate()
        filters = {"q": data["q"].strip(), "role": data["role"], "on": on}
    page = Paginator(selectors.assignment_list(request.user, **filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "org/assignment_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "can_assign": bool(assignable_roles(request.user))},
    )


def _form(request, data=None, initial=None):
    user = request.user
    return AssignmentForm(
        data,
        initial=initial,
        roles=assignable_roles(user),
        staff_qs=selectors.visible_staff(user).filter(is_active=True),
        unit_qs=selectors.visible_units(user).active(),
        place_qs=selectors.visible_places(user).active(),
        student_qs=selectors.visible_students(user),
    )


def _target_from(form) -> tuple[str, object] | tuple[None, None]:
    """The target named in the form's data or initial values, if it is in scope."""
    for name in ("unit", "place", "student"):
        raw = form.data.get(name) if form.is_bound else form.initial.get(name)
        if raw:
            found = form.querysets[name].filter(pk=raw).first() if str(raw).isdigit() else None
            if found is not None:
                return name, found
    return None, None


@require_roles(*ASSIGNMENT_WRITERS)
def assignment_create(request):
    if not assignable_roles(request.user):
        raise PermissionDenied
    initial = {key: request.GET[key] for key in ("unit", "place", "student", "role", "staff") if request.GET.get(key)}
    form = _form(request, request.POST or None, initial)
    target_name, target = _target_from(form)
    if request.method == "GET" and any(initial.get(k) for k in ("unit", "place", "student")) and target is None:
        # A target named in the link but outside the scope: as if it did not exist.
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.assignment_create(
                by=request.user,
                staff=data["staff"],
                role=data["role"],
                unit=data["unit"],
                place=data["place"],
                student=data["student"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
            )
        except ValidationError as exc:
            form_errors(form, exc, non_field=("staff", "unit", "place", "student"))
        else:
            messages.success(request, _("%(assignment)s has been recorded.") % {"assignment": assignment})
            return redirect(safe_next(request, target_url(assignment.target)))
    staff_id = form.data.get("staff") if form.is_bound else initial.get("staff")
    chosen_staff = form.querysets["staff"].filter(pk=staff_id).first() if staff_id and str(staff_id).isdigit() else None
    return render(
        request,
        "org/assignment_form.html",
        {
            "form": form,
            "target": target,
            "target_name": target_name,
            "chosen_staff": chosen_staff,
            "next": safe_next(request, ""),
        },
    )


def _managed_assignment(request, pk: int) -> Assignment:
    return assignment_for_change(request.user, pk)


@require_roles(*ASSIGNMENT_WRITERS)
def assignment_handover(request, pk: int):
    assignment = _managed_assignment(request, pk)
    staff_qs = selectors.visible_staff(request.user).filter(is_active=True).exclude(pk=assignment.staff_id)
    form = HandoverForm(request.POST or None, staff_qs=staff_qs)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.assignment_handover(
                assignment=assignment,
                to_staff=form.cleaned_data["to_staff"],
                on=form.cleaned_data["on"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The responsibility has been handed over to %(name)s.") % {"name": new.staff.name})
            return redirect(safe_next(request, target_url(new.target)))
    return render(
        request,
        "org/assignment_manage.html",
        {"assignment": assignment, "form": form, "end_form": EndAssignmentForm(), "target_url": target_url(assignment.target)},
    )


@require_POST
@require_roles(*ASSIGNMENT_WRITERS)
def assignment_end(request, pk: int):
    assignment = _managed_assignment(request, pk)
    form = EndAssignmentForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_end(assignment=assignment, on=form.cleaned_data["end_date"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The responsibility ends on %(day)s.") % {"day": form.cleaned_data["end_date"]})
    else:
        messages.error(request, _("Give the last day as a date."))
    return redirect(safe_next(request, target_url(assignment.target)))
