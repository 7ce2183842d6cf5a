"""Pages of incident reports: the list, the phone report, an incident with its clocks and
timeline, acknowledging it, adding reports, its photos and docx, and the time limits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.docx import docx_response
from fangxian.core.exports import export_mode
from fangxian.core.params import id_param
from fangxian.core.views import error_text, form_errors
from fangxian.org import photos as org_photos
from fangxian.org.access import can_write

from . import access, document, selectors, services
from .forms import LimitsForm, ReportForm, UpdateForm
from .models import Incident, Kind, Level, Photo, Policy, TimeLimit

MAX_UPLOAD = org_photos.MAX_BYTES + 1


def _incident(request, pk: int) -> Incident:
    return get_object_or_404(selectors.visible(request.user), pk=pk)


def _read_photos(files) -> list[bytes]:
    # Read at most one byte past the limit: the service refuses what is larger.
    return [upload.read(MAX_UPLOAD) for upload in files]


@require_roles(*access.READERS)
def incident_list(request):
    status = request.GET.get("status", "open")
    if status not in ("open", "closed", "all"):
        status = "open"
    level = request.GET.get("level", "")
    kind = request.GET.get("kind", "")
    rows = selectors.incident_list(request.user, status=status, level=level, kind=kind if kind in Kind.values else "")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    clocks = selectors.next_clocks(page.object_list)
    for incident in page.object_list:
        incident.next_clock = clocks.get(incident.pk)
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "status": status,
            "level": level,
            "kind": kind,
            "levels": Level.choices,
            "kinds": Kind.choices,
            "by_level": selectors.open_by_level(request.user),
            "can_report": access.can_report(request.user),
            "is_office": can_write(request.user, access.OFFICE),
        },
    )


@require_roles(*access.REPORTER_ROLES)
def incident_report(request):
    if not access.can_report(request.user):
        raise PermissionDenied
    places = services.reporting_places(request.user).select_related("parent")
    units = services.reporting_units(request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, places=places, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.incident_report(
                    user=request.user,
                    kind=data["kind"],
                    level=data["level"],
                    occurred_at=data["occurred_at"],
                    description=data["description"],
                    unit=data["unit"],
                    place=data["place"],
                    place_detail=data["place_detail"],
                    people=data["people"],
                    reporter_phone=data["reporter_phone"] or None,
                    photos=_read_photos(request.FILES.getlist("photos")),
                    request_key=data["request_key"],
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The incident has been reported; the office has been told."))
                return redirect("incidents:detail", incident.pk)
    else:
        default = services.default_unit(request.user)
        form = ReportForm(places=places, units=units, initial={"unit": default.pk if default else None})
    return render(request, "incidents/report.html", {"form": form})


def _detail_context(request, incident: Incident, update_form=None) -> dict:
    user = request.user
    return {
        "incident": incident,
        "people": selectors.people_of(incident, user),
        "reporter_phone": selectors.reporter_phone(incident, user),
        "updates": incident.updates.order_by("created_at", "pk"),
        "photos": incident.photos.order_by("added_at", "pk"),
        "can_acknowledge": access.can_acknowledge(user, incident),
        "can_add_report": access.can_add_report(user, incident),
        "update_form": update_form or UpdateForm(incident=incident),
        "limit": incident.limit,
    }


@require_roles(*access.READERS)
def incident_detail(request, pk: int):
    return render(request, "incidents/detail.html", _detail_context(request, _incident(request, pk)))


@require_roles(*access.OFFICE)
@require_POST
def incident_acknowledge(request, pk: int):
    incident = _incident(request, pk)
    try:
        services.incident_acknowledge(user=request.user, incident=incident)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Acknowledged: the first report is in the office's hands."))
    return redirect("incidents:detail", incident.pk)


@require_roles(*access.REPORTER_ROLES)
@require_POST
def incident_update(request, pk: int):
    incident = _incident(request, pk)
    if not access.can_add_report(request.user, incident) and not incident.is_closed:
        raise PermissionDenied
    form = UpdateForm(request.POST, request.FILES, incident=incident)
    if form.is_valid():
        data = form.cleaned_data
        try:
            update = services.update_add(
                user=request.user,
                incident=incident,
                kind=data["kind"],
                text=data["text"],
                measures=data["measures"],
                next_steps=data["next_steps"],
                photos=_read_photos(request.FILES.getlist("photos")),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("%(kind)s added.") % {"kind": update.get_kind_display()})
            return redirect("incidents:detail", incident.pk)
    return render(request, "incidents/detail.html", _detail_context(request, incident, form), status=400)


@require_roles(*access.READERS)
def incident_photo(request, pk: int, photo: int):
    incident = _incident(request, pk)
    row = get_object_or_404(Photo, incident=incident, pk=id_param(photo))
    return org_photos.photo_response(row.image)


@require_roles(*access.READERS)
def incident_docx(request, pk: int):
    incident = _incident(request, pk)
    mode = export_mode(request, "incident_report", args=(incident.pk,))
    data = document.incident_docx(incident, request.user, unmasked=mode.unmasked)
    with transaction.atomic():
        record_event(SecurityEvent.Kind.EXPORT, request=request, export="incident_report", incident=incident.pk, **mode.detail())
    return docx_response(data, document.filename(incident), watermark=mode.watermark)


@require_roles(*access.OFFICE)
def limits(request):
    rows = TimeLimit.all_levels()
    policy = Policy.current()
    if request.method == "POST":
        form = LimitsForm(request.POST, limits=rows)
        if form.is_valid():
            try:
                services.limits_save(user=request.user, limits=form.limits(), earliest_date=form.cleaned_data["earliest_date"])
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The time limits have been saved."))
                return redirect("incidents:limits")
    else:
        form = LimitsForm(limits=rows, initial={"earliest_date": policy.earliest_date})
    return render(request, "incidents/limits.html", {"form": form, "can_edit": can_write(request.user, access.OFFICE)})
