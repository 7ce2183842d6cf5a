"""One student's entry: its history, tags and one-to-one staff member."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role, roles_of
from fangxian.core.params import id_param
from fangxian.core.views import error_text
from fangxian.org.models import Staff
from fangxian.org.scope import scope_of

from .. import corrections, selectors, services
from ..models import Category, StudentTag
from .common import STAFF_ROLES, WRITE_ROLES, _writable


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
    staff_choices = scope_of(request.user).staff(Staff.objects.filter(is_active=True, institution_id=entry.student.institution_id))[:200]
    roles = roles_of(request.user)
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
        "can_write": not scope_of(request.user).read_only and bool(roles & set(WRITE_ROLES)),
        "show_phone": bool(roles & {Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR}),
        "can_correct": not scope_of(request.user).read_only
        and bool(roles & {Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN})
        and corrections.correctable(entry),
    }
    return render(request, "ledger/entry.html", context)


@require_roles(*WRITE_ROLES)
@require_POST
def entry_tag(request, pk: int):
    _writable(request)
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
    _writable(request)
    entry = get_object_or_404(selectors.visible_entries(request.user).select_related("student"), pk=pk)
    staff = get_object_or_404(scope_of(request.user).staff(Staff.objects.filter(is_active=True)), pk=id_param(request.POST.get("staff")))
    try:
        services.one_to_one_set(student=entry.student, staff=staff, by=request.user, note=request.POST.get("note", "")[:200])
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("ledger:entry", pk=entry.pk)
