"""Dorm moves: suggest a plan, review and execute it, print it."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.access import require_roles
from fangxian.core.params import id_param
from fangxian.core.views import error_text
from fangxian.org.access import can_write, require_write
from fangxian.org.models import Place

from .. import moves, selectors
from ..access import OFFICE, OFFICE_READ
from ..forms import MovePlanForm
from ..models import MoveItem


@require_roles(*OFFICE_READ)
def move_plans(request):
    form = MovePlanForm(request.POST or None, initial={"move_date": timezone.localdate()})
    period = selectors.current_period(request.user)
    if request.method == "POST":
        require_write(request.user, OFFICE)
        if form.is_valid() and period is not None:
            plan = moves.plan_suggest(
                period=period,
                campus=form.cleaned_data["campus"],
                move_date=form.cleaned_data["move_date"],
                by=request.user,
                name=form.cleaned_data["name"],
            )
            messages.success(
                request, _("A plan with %(n)s moves has been suggested. Review it before executing.") % {"n": plan.items.count()}
            )
            return redirect("ledger:move_plan", pk=plan.pk)
    plans = selectors.visible_plans(request.user).select_related("campus", "period", "created_by")
    return render(
        request,
        "ledger/moves.html",
        {"form": form, "plans": plans, "period": period, "can_write": can_write(request.user, OFFICE)},
    )


@require_roles(*OFFICE_READ)
def move_plan(request, pk: int):
    plan = get_object_or_404(selectors.visible_plans(request.user).select_related("campus", "period"), pk=pk)
    writable = can_write(request.user, OFFICE) and plan.state == plan.State.DRAFT
    if request.method == "POST":
        if not writable:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "execute":
                moves.plan_execute(plan=plan, by=request.user)
                messages.success(request, _("The plan has been executed; the beds have been changed."))
            elif action == "delete":
                moves.move_item_delete(item=get_object_or_404(MoveItem, pk=id_param(request.POST.get("item")), plan=plan))
                messages.success(request, _("Saved."))
            elif action == "edit":
                item = get_object_or_404(
                    MoveItem.objects.select_related("entry__student", "plan__campus"), pk=id_param(request.POST.get("item")), plan=plan
                )
                bed = _find_bed(plan.campus, request.POST.get("to_bed", ""))
                if bed is None:
                    raise ValidationError(
                        _("No bed “%(value)s”; write building-room-bed, e.g. 1号公寓-101-1号床.")
                        % {"value": request.POST.get("to_bed", "")}
                    )
                moves.move_item_update(item=item, to_bed=bed, note=request.POST.get("note", "")[:200])
                messages.success(request, _("Saved."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("ledger:move_plan", pk=plan.pk)
    items = plan.items.select_related("entry__student__klass", "from_bed__parent__parent", "to_bed__parent__parent").order_by(
        "to_bed__path"
    )
    return render(request, "ledger/move_plan.html", {"plan": plan, "items": items, "can_write": writable})


def _find_bed(campus: Place, text: str) -> Place | None:
    from ..importing import _BED_SPLIT

    parts = [p for p in _BED_SPLIT.split(text.strip()) if p]
    if len(parts) != 3:
        return None
    building, room, bed = parts
    return (
        Place.objects.filter(
            kind=Place.Kind.BED,
            name__in=[bed, f"{bed}号床"],
            parent__name=room,
            parent__parent__name=building,
            parent__parent__parent=campus,
        )
        .select_related("parent__parent")
        .first()
    )


@require_roles(*OFFICE_READ)
def move_print(request, pk: int):
    plan = get_object_or_404(selectors.visible_plans(request.user).select_related("campus", "period"), pk=pk)
    return render(request, "ledger/move_print.html", {"plan": plan, "sheets": moves.plan_sheets(plan), "today": date.today()})
