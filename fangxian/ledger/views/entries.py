"""One student's entry: its history, tags and one-to-one staff member."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.params import id_param
from fangxian.core.views import error_text
from fangxian.org.access import can_write, has_any, require_write
from fangxian.org.models import Staff
from fangxian.org.reveal import reveal_response

from .. import corrections, selectors, services
from ..access import CORRECTORS, PHONE_ROLES, STAFF_ROLES, WRITE_ROLES
from ..models import Category, StudentTag


@require_roles(*STAFF_ROLES)
def entry_detail(request, pk: int):
    entry = get_object_or_404(
        selectors.visible_entries(request.user).select_related(
            "student__klass", "application__reason", "period", "bed__parent__parent", "updated_by"
        ),
        pk=pk,
    )
    today = timezone.localdate()
    tags = StudentTag.objects.filter(student=entry.student).select_related("category", "set_by").order_by("-valid_from")
    spells = entry.spells.select_related("changed_by").order_by("valid_from", "id")
    bed_spells = entry.bed_spells.select_related("bed__parent__parent", "plan").order_by("valid_from", "id")
    current = services.one_to_one_current(entry.student, today)
    staff_choices = Staff.objects.filter(is_active=True, institution_id=entry.student.institution_id).visible_to(request.user)[:200]
    context = {
        "entry": entry,
        "application": entry.application,
        "tags": tags,
        "spells": spells,
        "bed_spells": bed_spells,
        "one_to_one": current,
        "suggested": services.suggested_staff(entry.student, today),
        "staff_choices": staff_choices,
        "categories": Category.objects.filter(institution_id=entry.period.institution_id, is_active=True),
        "can_write": can_write(request.user, WRITE_ROLES),
        "show_phone": has_any(request.user, PHONE_ROLES),
        "can_correct": can_write(request.user, CORRECTORS) and corrections.correctable(entry),
    }
    return render(request, "ledger/entry.html", context)


@require_POST
@require_roles(*PHONE_ROLES)
def entry_reveal(request, pk: int):
    """The full phone number of the emergency contact or a parent, with a reason (recorded)."""
    entry = get_object_or_404(selectors.visible_entries(request.user).select_related("student", "application"), pk=pk)
    return reveal_response(
        request,
        obj=entry.application,
        field=request.POST.get("field", ""),
        subject_type="student",
        subject_id=entry.student_id,
        subject=entry.student.name,
    )


@require_roles(*WRITE_ROLES)
@require_POST
def entry_tag(request, pk: int):
    require_write(request.user, WRITE_ROLES)
    entry = get_object_or_404(selectors.visible_entries(request.user).select_related("student"), pk=pk)
    try:
        if request.POST.get("end"):
            tag = get_object_or_404(StudentTag, pk=id_param(request.POST.get("end")), student=entry.student)
            services.tag_end(tag=tag, by=request.user)
        else:
            category = get_object_or_404(Category, pk=id_param(request.POST.get("category")), institution_id=entry.student.institution_id)
            services.tag_add(student=entry.student, category=category, by=request.user, note=request.POST.get("note", "")[:200])
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("ledger:entry", pk=entry.pk)


@require_roles(*WRITE_ROLES)
@require_POST
def entry_one_to_one(request, pk: int):
    require_write(request.user, WRITE_ROLES)
    entry = get_object_or_404(selectors.visible_entries(request.user).select_related("student"), pk=pk)
    staff = get_object_or_404(Staff.objects.filter(is_active=True).visible_to(request.user), pk=id_param(request.POST.get("staff")))
    try:
        services.one_to_one_set(student=entry.student, staff=staff, by=request.user, note=request.POST.get("note", "")[:200])
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("ledger:entry", pk=entry.pk)
