"""Pages of the screening app: rounds and their coverage for the office and the colleges,
the sampler's phone page, the lab's result import, a person's slot and history, and the
round's report for the city."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.import_views import import_page, xlsx_response
from fangxian.core.params import id_param
from fangxian.core.views import error_text, form_errors
from fangxian.org.access import can_write, has_any, require_write
from fangxian.org.models import Staff, Student, Unit

from . import access, reports, selectors, services
from .forms import LabMappingForm, RoundForm
from .importing import ResultImporter
from .models import FLAGGED, LabMapping, Round, Tube


def _round(request, pk) -> Round:
    return get_object_or_404(selectors.visible_rounds(request.user).select_related("campus"), pk=pk)


def _institution(user) -> Unit:
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    if institution is None:
        raise Http404
    return institution


@require_roles(*access.READERS)
def round_list(request):
    rounds = list(selectors.visible_rounds(request.user).order_by("-day", "-id")[:40])
    figures = {}
    whole = has_any(request.user, access.OFFICE_READ)
    for round in rounds:
        if whole:
            sampled = round.members.filter(sampled_at__isnull=False).count()
            figures[round.pk] = (sampled, round.expected)
        else:
            cov = selectors.visible_members(request.user, round).order_by()
            figures[round.pk] = (cov.filter(sampled_at__isnull=False).count(), cov.count())
    for round in rounds:
        round.figures = figures[round.pk]
        round.flagged = round.tubes.filter(result__in=FLAGGED).count() if whole else None
    return render(
        request,
        "screening/list.html",
        {"rounds": rounds, "can_create": can_write(request.user, access.OFFICE), "now": timezone.now()},
    )


@require_roles(*access.OFFICE)
def round_new(request):
    require_write(request.user, access.OFFICE)
    institution = _institution(request.user)
    form = RoundForm(request.POST or None, institution=institution, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        start, end = form.window()
        try:
            round = services.round_create(
                institution=institution,
                name=data["name"],
                kind=data["kind"],
                kind_note=data["kind_note"],
                day=data["day"],
                starts_at=start,
                ends_at=end,
                slots=form.slots(),
                by=request.user,
                include_students=data["include_students"],
                campus=data["campus"],
                category_code=data["category_code"],
                staff_units=data["staff_units"],
                pool_size=data["pool_size"],
                repeat_days=data["repeat_days"] or 0,
                repeat_until=data["repeat_until"],
            )
        except ValidationError as exc:
            form_errors(form, exc, non_field=("slots",))
        else:
            messages.success(request, _("Round created: %(n)s people to test.") % {"n": round.expected})
            return redirect("screening:round", round.pk)
    return render(request, "screening/round_form.html", {"form": form})


@require_roles(*access.READERS)
def round_detail(request, pk: int):
    round = _round(request, pk)
    cov = selectors.coverage(request.user, round, missing_limit=0)
    return render(
        request,
        "screening/round.html",
        {
            "round": round,
            "coverage": cov,
            "slots": round.slots.select_related("place").order_by("starts_at", "id"),
            "flagged": selectors.flagged_tubes(request.user, round),
            "imports": round.imports.select_related("by").order_by("-at", "-id")[:10] if has_any(request.user, access.OFFICE_READ) else [],
            "is_office": can_write(request.user, access.OFFICE),
            "can_report": has_any(request.user, access.OFFICE_READ),
            "open": round.is_open(),
        },
    )


@require_roles(*access.OFFICE)
@require_POST
def round_next(request, pk: int):
    round = _round(request, pk)
    require_write(request.user, access.OFFICE)
    try:
        made = services.round_next(round=round, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("screening:round", round.pk)
    if made is None:
        messages.info(request, _("This round does not repeat, or its schedule has ended."))
        return redirect("screening:round", round.pk)
    return redirect("screening:round", made.pk)


@require_roles(*access.READERS)
def coverage(request, pk: int):
    round = _round(request, pk)
    return render(
        request,
        "screening/coverage.html",
        {"round": round, "coverage": selectors.coverage(request.user, round), "limit": selectors.MISSING_PAGE},
    )


@require_roles(*access.READERS)
def tube(request, pk: int):
    tube = get_object_or_404(selectors.visible_tubes(request.user).select_related("round", "place", "sampler"), pk=pk)
    return render(request, "screening/tube.html", {"tube": tube, "samples": selectors.tube_members(request.user, tube)})


@require_roles(*access.READERS)
def person(request, kind: str, pk: int):
    if kind == "student":
        who = get_object_or_404(Student.objects.visible_to(request.user), pk=pk)
        rows = selectors.history(request.user, student=who)
    elif kind == "staff":
        who = get_object_or_404(Staff.objects.visible_to(request.user), pk=pk)
        rows = selectors.history(request.user, staff=who)
    else:
        raise Http404
    return render(request, "screening/person.html", {"who": who, "rows": rows})


@require_roles(*access.SELF)
def mine(request):
    rows = list(selectors.my_members(request.user)[:30])
    upcoming = selectors.my_next(request.user)
    return render(request, "screening/mine.html", {"rows": rows, "next": upcoming})


# -- the sampler ------------------------------------------------------------------------------


@require_roles(*access.SAMPLER_PAGE)
def sample(request):
    places = services.sampler_places(request.user)
    rounds = selectors.sampler_rounds(places)
    source = request.POST if request.method == "POST" else request.GET
    round = next((r for r in rounds if r.pk == id_param(source.get("round"))), rounds[0] if rounds else None)
    sites = selectors.sampler_sites(round, places) if round else []
    site = next((s for s in sites if s.pk == id_param(source.get("site"))), sites[0] if sites else None)
    tube_number = (source.get("tube") or "").strip().upper()[:40]
    capacity = id_param(source.get("capacity")) or (round.pool_size if round else 10)
    if request.method == "POST":
        if round is None or site is None:
            raise Http404
        try:
            done = services.sample_record(
                round=round, place=site, tube_number=tube_number, capacity=capacity, text=source.get("scan", ""), by=request.user
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            s = done.sample
            if done.created:
                messages.success(
                    request,
                    _("%(name)s sampled into tube %(tube)s (%(size)s of %(capacity)s).")
                    % {"name": s.member.person.name, "tube": s.tube.number, "size": s.tube.size, "capacity": s.tube.capacity},
                )
            else:
                messages.info(
                    request, _("%(name)s was sampled already (tube %(tube)s).") % {"name": s.member.person.name, "tube": s.tube.number}
                )
        query = urlencode({"round": round.pk, "site": site.pk, "tube": tube_number, "capacity": capacity})
        return redirect(f"{reverse('screening:sample')}?{query}")
    current = Tube.objects.filter(round=round, number=tube_number).first() if round and tube_number else None
    return render(
        request,
        "screening/sample.html",
        {
            "rounds": rounds,
            "round": round,
            "sites": sites,
            "site": site,
            "tube_number": tube_number,
            "capacity": capacity,
            "current": current,
            "in_tube": list(current.samples.select_related("member__student", "member__staff").order_by("sampled_at", "id"))
            if current
            else [],
            "recent": selectors.open_tubes(request.user, round, site) if round and site else [],
            "posted": bool(places),
        },
    )


# -- results and reports ----------------------------------------------------------------------


@require_roles(*access.OFFICE)
def results_import(request, pk: int):
    round = _round(request, pk)
    require_write(request.user, access.OFFICE)
    mappings = LabMapping.objects.visible_to(request.user).filter(institution=round.institution).order_by("-used_at", "lab")
    mapping = mappings.filter(pk=id_param(request.GET.get("lab"))).first() or mappings.first()
    form = LabMappingForm(instance=None, initial={"key_header": "试管编号", "result_header": "检测结果"})
    if mapping is None:
        return render(request, "screening/mapping.html", {"round": round, "form": form, "mappings": []})
    return import_page(
        request,
        ResultImporter(user=request.user, round=round, mapping=mapping),
        template="screening/import.html",
        context={"round": round, "mapping": mapping, "mappings": mappings, "mapping_form": form},
    )


@require_roles(*access.OFFICE)
@require_POST
def lab_mapping(request, pk: int):
    round = _round(request, pk)
    require_write(request.user, access.OFFICE)
    existing = LabMapping.objects.filter(institution=round.institution, lab=(request.POST.get("lab") or "").strip()).first()
    form = LabMappingForm(request.POST, instance=existing)
    if not form.is_valid():
        mappings = LabMapping.objects.visible_to(request.user).filter(institution=round.institution)
        return render(request, "screening/mapping.html", {"round": round, "form": form, "mappings": mappings}, status=400)
    mapping = form.save(commit=False)
    mapping.institution = round.institution
    mapping.used_at = timezone.now()
    mapping.save()
    messages.success(request, _("The columns of %(lab)s are remembered.") % {"lab": mapping.lab})
    return redirect(f"{reverse('screening:import', args=[round.pk])}?lab={mapping.pk}")


@require_roles(*access.OFFICE_READ)
def report_xlsx(request, pk: int):
    from fangxian.core.exports import export_mode

    round = _round(request, pk)
    mode = export_mode(request, "screening.xlsx", args=(round.pk,))
    show_id = mode.unmasked and has_any(request.user, access.ID_NUMBER_ROLES)
    content, rows = reports.round_workbook(request.user, round, show_id=show_id, watermark=mode.watermark)
    services.record_export(request=request, round=round, what="xlsx", rows=rows, **mode.detail())
    return xlsx_response(content, f"{round.name}-检测情况.xlsx")


@require_roles(*access.OFFICE_READ)
def report_docx(request, pk: int):
    from fangxian.core.docx import docx_response
    from fangxian.core.xlsx import watermark_for

    round = _round(request, pk)
    content, rows = reports.round_document(request.user, round)
    services.record_export(request=request, round=round, what="docx", rows=rows)
    return docx_response(content, f"{round.name}-检测情况报告.docx", watermark=watermark_for(request.user))
