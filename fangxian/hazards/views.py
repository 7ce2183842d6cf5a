"""Pages of hazard inspections. Thin: the services write, the selectors read (scoped)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangxian.accounts.access import require_roles
from fangxian.core.docx import docx_response
from fangxian.core.import_views import xlsx_response
from fangxian.core.params import id_param
from fangxian.core.views import error_text, form_errors
from fangxian.core.xlsx import watermark_for
from fangxian.org.access import can_write
from fangxian.org.photos import photo_response

from . import access, reports, selectors, services
from .forms import CampaignForm, ChangeFindingForm, ChecklistForm, InspectorForm, ReportForm, VerifyForm, VersionForm
from .models import AnswerPhoto, CampaignPlace, Checklist, EventPhoto, Finding, Inspection, Level, Result

R = access.READERS
PLACES_SHOWN = 300


class FirstRows(list):
    """The first rows of a longer list, for `_first_n.html`."""

    def __init__(self, rows, total: int):
        super().__init__(rows)
        self.total, self.limit, self.truncated = total, PLACES_SHOWN, total > len(rows)


def _require_keeper(request) -> None:
    if not access.is_keeper(request.user):
        raise PermissionDenied


# -- campaigns ---------------------------------------------------------------------------------------


@require_roles(*R)
def campaigns(request):
    rows = list(selectors.campaigns(request.user)[:200])
    return render(
        request,
        "hazards/campaigns.html",
        {
            "campaigns": rows,
            "mine": list(selectors.my_places_to_inspect(request.user)[:200]),
            "is_keeper": access.is_keeper(request.user),
        },
    )


@require_roles(*R)
def campaign_new(request):
    _require_keeper(request)
    form = CampaignForm(request.POST or None, places=selectors.visible_places(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                user=request.user,
                name=data["name"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                recurrence=data["recurrence"],
                lab_version=data["lab_version"],
                dorm_version=data["dorm_version"],
                building_version=data["building_version"],
                campus_version=data["campus_version"],
                campuses=list(data["campuses"]),
                buildings=list(data["buildings"]),
                all_labs=data["all_labs"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Campaign started with %(n)s places.") % {"n": campaign.places.count()})
            return redirect("hazards:campaign", pk=campaign.pk)
    return render(request, "hazards/campaign_form.html", {"form": form})


def _campaign(request, pk):
    return get_object_or_404(selectors.campaigns(request.user), pk=pk)


@require_roles(*R)
def campaign(request, pk):
    campaign = _campaign(request, pk)
    coverage = selectors.campaign_coverage(request.user, campaign)
    state = request.GET.get("state", "")
    rows = coverage.rows
    if state in ("none", "draft", "submitted", "missing"):
        rows = [r for r in rows if (r.state != "submitted" if state == "missing" else r.state == state)]
    # The page lists the first places (not inspected first); the workbook has all of them.
    shown = FirstRows(sorted(rows, key=lambda r: r.state == "submitted")[:PLACES_SHOWN], len(rows))
    return render(
        request,
        "hazards/campaign.html",
        {
            "campaign": campaign,
            "coverage": coverage,
            "rows": shown,
            "state": state,
            "is_keeper": access.is_keeper(request.user),
            "inspector_form": InspectorForm(institution_id=campaign.places.values_list("place__institution_id", flat=True).first())
            if access.is_keeper(request.user)
            else None,
        },
    )


@require_POST
@require_roles(*R)
def campaign_close(request, pk):
    campaign = _campaign(request, pk)
    _require_keeper(request)
    services.close_campaign(user=request.user, campaign=campaign)
    messages.success(request, _("Campaign closed."))
    return redirect("hazards:campaign", pk=campaign.pk)


@require_POST
@require_roles(*R)
def set_inspector(request, pk):
    campaign = _campaign(request, pk)
    _require_keeper(request)
    cp = get_object_or_404(
        CampaignPlace.objects.visible_to(request.user).filter(campaign=campaign).select_related("place"),
        pk=id_param(request.POST.get("place")) or 0,
    )
    form = InspectorForm(request.POST, institution_id=cp.place.institution_id)
    if form.is_valid():
        try:
            services.set_inspector(user=request.user, campaign_place=cp, staff=form.cleaned_data["inspector"])
            messages.success(request, _("Inspector named."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, _("Choose an inspector."))
    return redirect(reverse("hazards:campaign", args=[campaign.pk]) + f"#cp-{cp.pk}")


@require_GET
@require_roles(*access.REPORT_READERS)
def campaign_xlsx(request, pk):
    campaign = _campaign(request, pk)
    data, rows = reports.campaign_xlsx(request.user, campaign, watermark=watermark_for(request.user))
    services.record_export(request, "campaign_xlsx", rows, campaign=campaign.pk)
    return xlsx_response(data, f"{campaign.name}-检查台账.xlsx")


@require_GET
@require_roles(*access.REPORT_READERS)
def campaign_docx(request, pk):
    campaign = _campaign(request, pk)
    data = reports.campaign_docx(request.user, campaign)
    services.record_export(request, "campaign_docx", 1, campaign=campaign.pk)
    return docx_response(data, f"关于{campaign.name}情况的通报.docx", watermark=watermark_for(request.user))


# -- inspecting ----------------------------------------------------------------------------------------


def _campaign_place(request, pk) -> CampaignPlace:
    cp = get_object_or_404(
        CampaignPlace.objects.visible_to(request.user).select_related(
            "place", "place__parent", "campaign", "version__checklist", "inspector", "owner"
        ),
        pk=pk,
    )
    return cp


def _inspection_context(cp: CampaignPlace, posted: dict | None = None):
    inspection = Inspection.objects.filter(campaign_place=cp).first()
    answers = {}
    if inspection is not None:
        answers = {a.item_id: a for a in inspection.answers.prefetch_related("photos")}
    items = []
    for item in cp.version.items.order_by("position"):
        answer = answers.get(item.pk)
        row = {
            "item": item,
            "result": answer.result if answer else "",
            "level": answer.level if answer else "",
            "note": answer.note if answer else "",
            "reading": answer.reading if answer and answer.reading is not None else "",
            "photos": list(answer.photos.all()) if answer else [],
        }
        if posted is not None:
            row.update({key: posted.get(f"{key}-{item.pk}", row[key]) for key in ("result", "level", "note", "reading")})
        items.append(row)
    return inspection, items


def _posted_answers(request, cp: CampaignPlace) -> list[dict]:
    answers = []
    for item in cp.version.items.order_by("position"):
        keys = [f"{name}-{item.pk}" for name in ("result", "level", "note", "reading")]
        if not any(key in request.POST for key in keys):
            continue
        answers.append(
            {
                "item": item.pk,
                "result": request.POST.get(f"result-{item.pk}", ""),
                "level": request.POST.get(f"level-{item.pk}", ""),
                "note": request.POST.get(f"note-{item.pk}", ""),
                "reading": request.POST.get(f"reading-{item.pk}", ""),
            }
        )
    return answers


@require_roles(*R)
def inspect(request, pk):
    """The inspection form (a phone in the hand): answers, notes, photos, readings. Without
    JavaScript it is an ordinary form; with it, every change is saved as it is made and kept
    on the phone until the server has it (static/hazards/inspect.js)."""
    cp = _campaign_place(request, pk)
    can = access.can_inspect(request.user, cp)
    errors: list[str] = []
    if request.method == "POST":
        if not can:
            raise PermissionDenied
        try:
            from django.db import transaction

            with transaction.atomic():
                services.save_answers(
                    user=request.user, campaign_place=cp, answers=_posted_answers(request, cp), note=request.POST.get("note")
                )
                for item_id, upload in _uploads(request):
                    services.add_answer_photo(
                        user=request.user,
                        campaign_place=cp,
                        item_id=item_id,
                        data=upload.read(),
                        token=f"form-{upload.name}-{upload.size}-{item_id}",
                    )
        except ValidationError as exc:
            errors = exc.messages
        else:
            if request.POST.get("action") == "submit":
                try:
                    services.submit_inspection(user=request.user, campaign_place=cp)
                except ValidationError as exc:
                    errors = exc.messages
                else:
                    found = Finding.objects.filter(inspection__campaign_place=cp).count()
                    messages.success(request, _("Inspection submitted; %(n)s hazards recorded.") % {"n": found})
                    return redirect("hazards:inspect", pk=cp.pk)
            if not errors:
                messages.success(request, _("Draft saved."))
                return redirect("hazards:inspect", pk=cp.pk)
    inspection, items = _inspection_context(cp, request.POST if errors else None)
    return render(
        request,
        "hazards/inspect.html",
        {
            "cp": cp,
            "inspection": inspection,
            "items": items,
            "errors": errors,
            "can_inspect": can and (inspection is None or inspection.status == Inspection.Status.DRAFT),
            "results": Result.choices,
            "levels": Level.choices,
            "findings": Finding.objects.filter(inspection__campaign_place=cp).order_by("pk"),
        },
        status=400 if errors else 200,
    )


def _uploads(request):
    for key, files in request.FILES.lists():
        if key.startswith("photo-"):
            item_id = id_param(key.removeprefix("photo-"))
            for upload in files:
                yield item_id, upload


def _json_error(message, status=400):
    return JsonResponse({"detail": message}, status=status)


@require_POST
@require_roles(*R)
def inspect_save(request, pk):
    """Autosave from the phone: JSON {"answers": [...], "note": ...}; idempotent."""
    try:
        cp = _campaign_place(request, pk)
    except Http404:
        return _json_error(_("This place is not in your inspection scope."), 404)
    if not access.can_inspect(request.user, cp):
        return _json_error(_("This place is not in your inspection scope."), 403)
    try:
        payload = json.loads(request.body or b"{}")
        answers = payload.get("answers", [])
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise ValueError
    except (ValueError, AttributeError):
        return _json_error(_("The answers could not be read."))
    try:
        inspection = services.save_answers(user=request.user, campaign_place=cp, answers=answers, note=payload.get("note"))
    except PermissionDenied:
        return _json_error(_("This place is not in your inspection scope."), 403)
    except ValidationError as exc:
        return JsonResponse({"detail": error_text(exc), "errors": exc.messages}, status=400)
    return JsonResponse(
        {"saved": len(answers), "status": inspection.status, "saved_at": timezone.localtime(inspection.updated_at).strftime("%H:%M:%S")}
    )


@require_POST
@require_roles(*R)
def inspect_photo(request, pk):
    """A photo from the phone's camera for one item (multipart: item, token, photo)."""
    try:
        cp = _campaign_place(request, pk)
    except Http404:
        return _json_error(_("This place is not in your inspection scope."), 404)
    if not access.can_inspect(request.user, cp):
        return _json_error(_("This place is not in your inspection scope."), 403)
    upload = request.FILES.get("photo")
    if upload is None:
        return _json_error(_("No photo was sent."))
    try:
        photo = services.add_answer_photo(
            user=request.user, campaign_place=cp, item_id=request.POST.get("item"), data=upload.read(), token=request.POST.get("token", "")
        )
    except PermissionDenied:
        return _json_error(_("This place is not in your inspection scope."), 403)
    except ValidationError as exc:
        return _json_error(error_text(exc))
    return JsonResponse({"id": photo.pk, "url": reverse("hazards:answer_photo", args=[photo.pk])}, status=201)


@require_GET
@require_roles(*R)
def answer_photo(request, pk):
    visible = Inspection.objects.visible_to(request.user).values("pk")
    photo = get_object_or_404(AnswerPhoto.objects.filter(answer__inspection__in=visible), pk=pk)
    return photo_response(photo.image)


@require_GET
@require_roles(*R)
def event_photo(request, pk):
    visible = Finding.objects.visible_to(request.user).values("pk")
    photo = get_object_or_404(EventPhoto.objects.filter(event__finding__in=visible), pk=pk)
    return photo_response(photo.image)


# -- findings ---------------------------------------------------------------------------------------------


@require_roles(*R)
def findings(request):
    qs = selectors.findings(request.user).select_related("place", "owner", "unit", "campaign")
    level = request.GET.get("level", "")
    status = request.GET.get("status", "")
    mine = request.GET.get("mine", "")
    if level in Level.values:
        qs = qs.filter(level=level)
    if status in Finding.Status.values:
        qs = qs.filter(status=status)
    if request.GET.get("open"):
        qs = qs.unresolved()
    if request.GET.get("overdue"):
        qs = qs.overdue()
    unit = id_param(request.GET.get("unit"))
    if unit:
        qs = qs.filter(unit_id=unit)
    campaign = id_param(request.GET.get("campaign"))
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    sid = access.staff_id(request.user)
    if mine == "owner":
        qs = qs.filter(owner_id=sid, status=Finding.Status.OPEN) if sid else qs.none()
    elif mine == "verify":
        qs = qs.filter(inspection__inspector_id=sid, status=Finding.Status.REPORTED) if sid else qs.none()
    total = qs.count()
    rows = list(qs.order_by("status", "due_at", "pk")[:300])
    return render(
        request,
        "hazards/findings.html",
        {
            "rows": rows,
            "total": total,
            "levels": Level.choices,
            "statuses": Finding.Status.choices,
            "f": request.GET,
            "now": timezone.now(),
        },
    )


def _finding(request, pk) -> Finding:
    return get_object_or_404(
        selectors.findings(request.user).select_related("place", "owner", "unit", "campaign", "inspection__inspector", "answer__item"),
        pk=pk,
    )


@require_roles(*R)
def finding(request, pk):
    finding = _finding(request, pk)
    user = request.user
    report_form = ReportForm(initial={"token": f"r{finding.pk}-{timezone.now().timestamp():.0f}"})
    verify_form = VerifyForm()
    change_form = ChangeFindingForm(
        initial={"level": finding.level, "due_at": timezone.localtime(finding.due_at), "owner": finding.owner_id},
        institution_id=finding.place.institution_id,
    )
    return render(
        request,
        "hazards/finding.html",
        {
            "finding": finding,
            "events": finding.events.select_related("by").prefetch_related("photos").order_by("at", "pk"),
            "answer_photos": finding.answer.photos.all(),
            "can_rectify": finding.status == Finding.Status.OPEN and access.can_rectify(user, finding),
            "can_verify": finding.status == Finding.Status.REPORTED and access.can_verify(user, finding),
            "can_manage": finding.status != Finding.Status.CLOSED and access.can_manage_finding(user, finding),
            "report_form": report_form,
            "verify_form": verify_form,
            "change_form": change_form,
        },
    )


@require_POST
@require_roles(*R)
def finding_report(request, pk):
    finding = _finding(request, pk)
    if not access.can_rectify(request.user, finding):
        raise PermissionDenied
    form = ReportForm(request.POST)
    photos = [upload.read() for upload in request.FILES.getlist("photos")]
    if form.is_valid():
        try:
            services.report_rectification(
                user=request.user, finding=finding, text=form.cleaned_data["text"], photos=photos, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Rectification reported; the inspector will verify it."))
    else:
        messages.error(request, _("Say what was done to rectify the hazard."))
    return redirect("hazards:finding", pk=finding.pk)


@require_POST
@require_roles(*R)
def finding_verify(request, pk):
    finding = _finding(request, pk)
    if not access.can_verify(request.user, finding):
        raise PermissionDenied
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to close or to return."))
        return redirect("hazards:finding", pk=finding.pk)
    try:
        services.verify(user=request.user, finding=finding, close=form.cleaned_data["decision"] == "close", note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Hazard closed.") if form.cleaned_data["decision"] == "close" else _("Returned to the person responsible.")
        )
    return redirect("hazards:finding", pk=finding.pk)


@require_POST
@require_roles(*R)
def finding_change(request, pk):
    finding = _finding(request, pk)
    if not access.can_manage_finding(request.user, finding):
        raise PermissionDenied
    form = ChangeFindingForm(request.POST, institution_id=finding.place.institution_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_finding(
                user=request.user, finding=finding, owner=data["owner"], due_at=data["due_at"], level=data["level"], note=data["note"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("hazards:finding", pk=finding.pk)


@require_GET
@require_roles(*R)
def finding_notice(request, pk):
    finding = _finding(request, pk)
    services.record_export(request, "finding_notice", 1, finding=finding.pk)
    return docx_response(reports.notice_docx(finding), f"安全隐患整改通知书-{finding.pk}.docx", watermark=watermark_for(request.user))


# -- places, labs ----------------------------------------------------------------------------------------


@require_roles(*R)
def place_history(request, pk):
    place = get_object_or_404(selectors.visible_places(request.user), pk=pk)
    inspections, found = selectors.place_history(request.user, place)
    return render(request, "hazards/place.html", {"place": place, "inspections": inspections[:200], "findings": found[:300]})


@require_roles(*R)
def stale_labs(request):
    try:
        days = max(1, min(3650, int(request.GET.get("days", 90))))
    except ValueError:
        days = 90
    labs = selectors.stale_labs(request.user, days)
    total = labs.count()
    return render(request, "hazards/stale_labs.html", {"labs": labs[:500], "days": days, "total": total})


# -- checklists ----------------------------------------------------------------------------------------------


@require_roles(*R)
def checklists(request):
    rows = Checklist.objects.prefetch_related("versions").order_by("category", "name")
    return render(request, "hazards/checklists.html", {"checklists": rows, "is_keeper": access.is_keeper(request.user)})


@require_POST
@require_roles(*R)
def checklists_defaults(request):
    _require_keeper(request)
    added = services.load_default_checklists(user=request.user)
    messages.success(request, _("%(n)s default checklists added.") % {"n": added})
    return redirect("hazards:checklists")


@require_roles(*R)
def checklist_new(request):
    _require_keeper(request)
    form = ChecklistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            items = services.parse_items(data["items"])
            checklist = services.create_checklist(
                user=request.user, name=data["name"], code=data["code"], category=data["category"], items=items
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            return redirect("hazards:checklist", pk=checklist.pk)
    return render(request, "hazards/checklist_form.html", {"form": form})


@require_roles(*R)
def checklist(request, pk):
    checklist = get_object_or_404(Checklist, pk=pk)
    keeper = access.is_keeper(request.user) and can_write(request.user, None)
    current = checklist.current
    form = None
    if keeper:
        form = VersionForm(request.POST or None, initial={"items": services.items_as_text(current) if current else ""})
        if request.method == "POST" and form.is_valid():
            try:
                items = services.parse_items(form.cleaned_data["items"])
                version = services.add_version(user=request.user, checklist=checklist, items=items, note=form.cleaned_data["note"])
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Version %(n)s saved.") % {"n": version.number})
                return redirect("hazards:checklist", pk=checklist.pk)
    elif request.method == "POST":
        raise PermissionDenied
    versions = checklist.versions.prefetch_related("items").order_by("-number")
    return render(request, "hazards/checklist.html", {"checklist": checklist, "versions": versions, "form": form})
