"""Stay periods, their reasons, and the tag categories (the office)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fangxian.accounts.access import require_roles
from fangxian.core.params import id_param
from fangxian.core.views import error_text
from fangxian.org.access import can_write
from fangxian.org.models import Unit

from .. import services
from ..access import OFFICE, OFFICE_READ
from ..forms import CategoryForm, PeriodForm
from ..models import Category, StayPeriod


@require_roles(*OFFICE_READ)
def periods(request):
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    writable = can_write(request.user, OFFICE)
    period_form = PeriodForm(request.POST if request.POST.get("form") == "period" else None)
    category_form = CategoryForm(request.POST if request.POST.get("form") == "category" else None)
    if request.method == "POST":
        if not writable:
            raise PermissionDenied
        try:
            _periods_post(request, institution, period_form, category_form)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            if not (period_form.errors or category_form.errors):
                messages.success(request, _("Saved."))
                return redirect("ledger:periods")
    context = {
        "periods": StayPeriod.objects.filter(institution=institution).prefetch_related("reasons"),
        "categories": Category.objects.filter(institution=institution),
        "period_form": period_form,
        "category_form": category_form,
        "can_write": writable,
    }
    return render(request, "ledger/periods.html", context)


def _periods_post(request, institution, period_form, category_form) -> None:
    what = request.POST.get("form")
    if what == "period" and period_form.is_valid():
        data = period_form.cleaned_data
        services.period_create(
            institution=institution,
            name=data["name"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            reasons=data["reasons"].splitlines(),
            by=request.user,
        )
    elif what == "category" and category_form.is_valid():
        category = category_form.save(commit=False)
        category.institution = institution
        if not category.code:
            taken = set(Category.objects.filter(institution=institution).values_list("code", flat=True))
            category.code = next(f"c{n}" for n in range(1, len(taken) + 2) if f"c{n}" not in taken)
        services.category_save(category=category)
    elif what == "reason":
        period = get_object_or_404(StayPeriod, pk=id_param(request.POST.get("period")), institution=institution)
        services.reason_add(period=period, name=request.POST.get("name", ""))
    elif what == "reason_toggle":
        reason = get_object_or_404(period_reason_qs(institution), pk=id_param(request.POST.get("reason")))
        services.reason_set_active(reason=reason, active=not reason.is_active)
    elif what == "period_toggle":
        period = get_object_or_404(StayPeriod, pk=id_param(request.POST.get("period")), institution=institution)
        services.period_update(
            period=period, name=period.name, start_date=period.start_date, end_date=period.end_date, is_open=not period.is_open
        )
    elif what == "category_toggle":
        category = get_object_or_404(Category, pk=id_param(request.POST.get("category")), institution=institution)
        category.is_active = not category.is_active
        services.category_save(category=category)


def period_reason_qs(institution):
    from ..models import StayReason

    return StayReason.objects.filter(period__institution=institution)
