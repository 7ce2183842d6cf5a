"""The office's ledger: the filtered list, its export, the import and the bulk one-to-one fill."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.import_views import import_page, xlsx_response
from fangxian.core.params import day_param, id_param
from fangxian.org.access import can_write, has_any, require_write
from fangxian.org.models import Place, Unit
from fangxian.org.scope import scope_of

from .. import selectors, services
from ..access import IMPORTERS, OFFICE, PHONE_ROLES, STAFF_ROLES, WRITE_ROLES
from ..importing import StayImporter
from ..models import LedgerEntry
from ..models import Status as S


def _filter_from(request) -> selectors.LedgerFilter:
    get = request.GET
    return selectors.LedgerFilter(
        day=day_param(request),
        period=id_param(get.get("period")),
        campus=id_param(get.get("campus")),
        building=id_param(get.get("building")),
        college=id_param(get.get("college")),
        klass=id_param(get.get("klass")),
        status=get.get("status", "") if get.get("status", "") in (*S.values, selectors.ON_CAMPUS) else "",
        tag=id_param(get.get("tag")),
        q=get.get("q", "").strip()[:30],
    )


@require_roles(*STAFF_ROLES)
def ledger_list(request):
    f = _filter_from(request)
    spells = selectors.ledger_spells(request.user, f)
    counts = selectors.ledger_counts(spells, f.day)
    page = Paginator(selectors.with_details(spells, f.day).order_by("college_id", "klass_id", "student__student_number"), 50).get_page(
        request.GET.get("page")
    )
    scope = scope_of(request.user)
    period = selectors.current_period(request.user, f.day)
    colleges = (
        Unit.objects.filter(kind=Unit.Kind.COLLEGE, archived_at__isnull=True).visible_to(request.user)
        if scope.everything
        else Unit.objects.filter(pk__in=selectors.visible_entries(request.user).values("college_id"))
    )
    context = {
        "f": f,
        "counts": counts,
        "page": page,
        "periods": selectors.periods_for(request.user),
        "period": period,
        "campuses": Place.objects.filter(kind=Place.Kind.CAMPUS, archived_at__isnull=True),
        # Three campuses have buildings of the same names: the option says the campus.
        "buildings": Place.objects.filter(kind=Place.Kind.BUILDING, use=Place.Use.DORM, archived_at__isnull=True)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__name", "sort_order", "name"),
        "colleges": colleges,
        "classes": Unit.objects.filter(pk__in=selectors.visible_entries(request.user).values("klass_id")),
        "statuses": [(selectors.ON_CAMPUS, _("On campus (在校 or 返校)")), *S.choices],
        "categories": selectors.categories_for(period),
        "query": request.GET.urlencode(),
        "query_without_page": "&".join(f"{k}={v}" for k, v in f.as_dict().items()),
        "can_write": can_write(request.user, WRITE_ROLES),
        "may_ask_unmasked": has_any(request.user, PHONE_ROLES),
        "is_office": has_any(request.user, OFFICE),
        "can_import": can_write(request.user, IMPORTERS),
    }
    return render(request, "ledger/list.html", context)


@require_roles(*STAFF_ROLES)
def ledger_export(request):
    from fangxian.core.exports import export_kind, export_mode, export_params

    from ..exports import EXPORT, export_ledger

    f = _filter_from(request)
    mode = export_mode(request, EXPORT, params=export_params(export_kind(EXPORT), request.GET))
    spells = selectors.ledger_spells(request.user, f)
    content, _rows = export_ledger(user=request.user, spells=spells, f=f, mode=mode, request=request)
    return xlsx_response(content, f"留校学生台账-{f.day}.xlsx")


@require_roles(*IMPORTERS)
def ledger_import(request):
    require_write(request.user, IMPORTERS)
    periods = selectors.periods_for(request.user)
    period = periods.filter(pk=id_param(request.GET.get("period"))).first() or selectors.current_period(request.user)
    if period is None:
        raise Http404
    return import_page(
        request,
        StayImporter(user=request.user, period=period),
        template="ledger/import.html",
        context={"period": period, "periods": periods, "batches": _stay_batches(request.user)[:10]},
    )


def _stay_batches(user):
    """The stay imports this user may undo: their own; the office's, everyone's."""
    from fangxian.core.models import ImportBatch

    batches = ImportBatch.objects.filter(importer=StayImporter.name).select_related("user")
    return batches if has_any(user, OFFICE) else batches.filter(user=user)


@require_roles(*IMPORTERS)
@require_POST
def ledger_import_undo(request, pk: int):
    """Undo a stay import, all or nothing; what blocks it is named in the message."""
    from django.shortcuts import get_object_or_404

    from fangxian.core.import_batches import undo_batch

    require_write(request.user, IMPORTERS)
    batch = get_object_or_404(_stay_batches(request.user), pk=pk)
    blockers = undo_batch(batch, by=request.user)
    if blockers:
        messages.error(request, _("The import #%(id)s was not undone: %(reasons)s") % {"id": batch.pk, "reasons": "；".join(blockers)})
    else:
        messages.success(request, _("The import #%(id)s was undone.") % {"id": batch.pk})
    return redirect("ledger:import")


@require_roles(*WRITE_ROLES)
@require_POST
def one_to_one_fill(request):
    require_write(request.user, WRITE_ROLES)
    f = _filter_from(request)
    entries = LedgerEntry.objects.filter(pk__in=selectors.ledger_spells(request.user, f).values("entry_id"))
    count = services.one_to_one_fill(entries=entries, by=request.user)
    messages.success(request, _("%(n)s students got their class counselor as one-to-one staff member.") % {"n": count})
    return redirect(reverse("ledger:list") + "?" + request.POST.get("query", ""))
