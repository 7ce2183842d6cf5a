"""Pages of the supervision desk (督查督办). Thin: reads from `selectors`, writes through
`services` (which check the caller again), scope by `visible_to` (404 outside it)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.docx import docx_response
from fangxian.core.params import date_param, id_param
from fangxian.core.supervision import supervision_rules
from fangxian.core.views import error_text, form_errors
from fangxian.core.xlsx import watermark_for

from . import access, documents, selectors, services
from .forms import STATUS_FILTER, AccountabilityForm, AnswerForm, CaseForm, DecideForm, DismissForm
from .models import Answer, AnswerAttachment, Case, Finding


def _period(request):
    end = date_param(request.GET.get("end"), "end", default=None)
    start = date_param(request.GET.get("start"), "start", default=None)
    return selectors.period(start, end)


@require_roles(*access.READERS)
def index(request):
    start, end = _period(request)
    rows = selectors.standing(request.user, start, end)
    return render(
        request,
        "supervision/index.html",
        {
            "rows": rows,
            "lights": selectors.lights(rows),
            "start": start,
            "end": end,
            "to_answer": selectors.cases_to_answer(request.user).order_by("due_at", "pk")[:20],
            "to_review": selectors.cases_to_review(request.user).order_by("due_at", "pk")[:20],
            "leads": selectors.open_findings(request.user).count(),
            "may_supervise": access.can_supervise(request.user),
        },
    )


@require_roles(*access.OVERSEERS)
def findings(request):
    rules = {rule.key: rule for rule in supervision_rules()}
    rule = request.GET.get("rule", "")
    qs = selectors.open_findings(request.user)
    if rule in rules:
        qs = qs.filter(rule=rule)
    else:
        rule = ""
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/findings.html",
        {
            "page": page,
            "rules": list(rules.values()),
            "rule": rule,
            "query": urlencode({"rule": rule}) if rule else "",
            "may_supervise": access.can_supervise(request.user),
            "dismiss_form": DismissForm(),
        },
    )


@require_roles(*access.INSPECTORS)
@require_POST
def finding_dismiss(request, pk: int):
    finding = get_object_or_404(selectors.visible_findings(request.user), pk=pk)
    try:
        services.finding_dismiss(user=request.user, finding=finding, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The lead was dismissed."))
    return redirect("supervision:findings")


@require_roles(*access.READERS)
def cases(request):
    status = request.GET.get("status", "")
    qs = selectors.visible_cases(request.user)
    if status == "open":
        qs = qs.filter(status__in=selectors.OPEN_STATUSES)
    elif status in Case.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/cases.html",
        {
            "page": page,
            "status": status,
            "statuses": STATUS_FILTER,
            "query": urlencode({"status": status}) if status else "",
            "now": timezone.now(),
            "may_supervise": access.can_supervise(request.user),
        },
    )


def _leads(request, source) -> list[Finding]:
    ids = [i for i in (id_param(v) for v in source.getlist("finding")) if i]
    if not ids:
        return []
    found = list(selectors.open_findings(request.user).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise Http404
    return found


@require_roles(*access.INSPECTORS)
def case_new(request):
    access.require_supervise(request.user)
    units = selectors.target_units(request.user)
    leads = _leads(request, request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        form = CaseForm(request.POST, units=units.model.objects.visible_to(request.user).active())
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["onsite"] and not leads:
                    case = services.onsite_case_create(
                        user=request.user,
                        unit=data["unit"],
                        title=data["title"],
                        requirement=data["requirement"],
                        due_at=data["due_at"],
                        evidence=data["evidence"],
                    )
                else:
                    case = services.case_create(
                        user=request.user,
                        unit=data["unit"],
                        title=data["title"],
                        requirement=data["requirement"],
                        due_at=data["due_at"],
                        evidence=data["evidence"],
                        findings=leads,
                    )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Supervision notice %(number)s was sent.") % {"number": case.number})
                return redirect("supervision:case", pk=case.pk)
    else:
        initial = {"due_at": (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)}
        if leads:
            first = leads[0]
            initial.update(
                unit=first.unit,
                title=first.title,
                evidence="\n".join(f"{lead.title}\n{lead.evidence}".strip() for lead in leads),
                requirement=_("Explain the causes and report the rectification."),
            )
        form = CaseForm(initial=initial, units=units)
    if leads:
        # A lead's unit is offered even when it is not a college (an institution-level lead).
        form.fields["unit"].queryset = units | units.model.objects.filter(pk__in=[lead.unit_id for lead in leads])
    return render(request, "supervision/case_new.html", {"form": form, "leads": leads})


@require_roles(*access.READERS)
def case(request, pk: int):
    case = get_object_or_404(selectors.visible_cases(request.user).prefetch_related("findings", "responsible"), pk=pk)
    answers = case.answers.select_related("submitted_by", "decided_by").prefetch_related("attachments").order_by("submitted_at", "pk")
    may_supervise = access.can_supervise(request.user, case)
    return render(
        request,
        "supervision/case.html",
        {
            "case": case,
            "answers": answers,
            "may_answer": access.can_answer(request.user, case) and case.status != Case.Status.ANSWERED,
            "may_decide": may_supervise and not case.is_closed,
            "pending": case.answers.filter(decision=Answer.Decision.PENDING).exists(),
            "answer_form": AnswerForm(),
            "decide_form": DecideForm(initial={"due_at": (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)}),
            "overdue": case.is_overdue(),
        },
    )


@require_roles(*access.READERS)
@require_POST
def case_answer(request, pk: int):
    case = get_object_or_404(selectors.visible_cases(request.user), pk=pk)
    form = AnswerForm(request.POST)
    files = [(f.name, f.read()) for f in request.FILES.getlist("files")]
    if form.is_valid():
        try:
            services.answer_submit(
                user=request.user, case=case, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"], files=files
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Your answer was submitted."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("supervision:case", pk=case.pk)


@require_roles(*access.INSPECTORS)
@require_POST
def case_decide(request, pk: int):
    case = get_object_or_404(selectors.visible_cases(request.user), pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.answer_decide(user=request.user, case=case, decision=data["decision"], note=data["note"], due_at=data["due_at"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The decision was recorded."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("supervision:case", pk=case.pk)


@require_roles(*access.READERS)
def case_notice(request, pk: int):
    case = get_object_or_404(selectors.visible_cases(request.user), pk=pk)
    record_event(SecurityEvent.Kind.EXPORT, request=request, what="supervision.notice", case=case.pk)
    return docx_response(documents.notice(case), f"督办通知单-{case.number}.docx", watermark=watermark_for(request.user))


@require_roles(*access.READERS)
def case_record(request, pk: int):
    case = get_object_or_404(selectors.visible_cases(request.user).filter(status=Case.Status.CLOSED), pk=pk)
    record_event(SecurityEvent.Kind.EXPORT, request=request, what="supervision.closing_record", case=case.pk)
    return docx_response(documents.closing_record(case), f"督办办结记录-{case.number}.docx", watermark=watermark_for(request.user))


@require_roles(*access.READERS)
def attachment(request, pk: int):
    item = get_object_or_404(AnswerAttachment.objects.filter(answer__in=selectors.visible_answers(request.user)), pk=pk)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@require_roles(*access.ACCOUNTABILITY_READERS)
def accountability(request):
    may_record = access.can_record_accountability(request.user)
    form = None
    if may_record:
        units = selectors.target_units(request.user)
        cases = selectors.visible_cases(request.user).order_by("-created_at", "-pk")
        if request.method == "POST":
            form = AccountabilityForm(request.POST, units=units, cases=cases)
            if form.is_valid():
                try:
                    services.accountability_create(user=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    form_errors(form, exc)
                else:
                    messages.success(request, _("The accountability record was saved."))
                    return redirect("supervision:accountability")
        else:
            form = AccountabilityForm(units=units, cases=cases, initial={"day": timezone.localdate()})
    elif request.method == "POST":
        access.require_supervise(request.user, roles=access.ACCOUNTABILITY_WRITERS)
    page = Paginator(selectors.visible_accountability(request.user).prefetch_related("cases").order_by("-day", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "supervision/accountability.html", {"page": page, "form": form})
