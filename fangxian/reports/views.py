"""Pages of daily reporting: filling in (phone first), completeness, calendar, trends,
the daily summary archive, and the office's form definitions."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role, roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.params import date_param, day_param, id_param, parse_date_text
from fangxian.core.views import error_text, form_errors, safe_next
from fangxian.org.access import can_write
from fangxian.org.scope import scope_of
from fangxian.org.selectors import get_visible

from . import prefill, reminders, schema, selectors, services
from .access import ACKNOWLEDGERS, OVERSEERS, PHONE_ROLES, READERS, REPORTERS
from .forms import CommentForm, FormCreateForm, VersionForm
from .models import DailySummary, ReportForm, Submission


def _month(value: str | None) -> date:
    try:
        return date.fromisoformat(f"{value}-01") if value else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _form(code: str) -> ReportForm:
    return get_object_or_404(ReportForm.objects.active(), code=code)


def _roles_ctx(user) -> dict:
    roles = roles_of(user)
    return {"is_office": Role.PREVENTION_OFFICE in roles, "is_overseer": bool(roles & set(OVERSEERS))}


@require_roles(*READERS)
def index(request):
    """Today's forms: the units I report for, and (for overseers) how complete each form is."""
    day = day_param(request)
    user = request.user
    rows = []
    for form in selectors.visible_forms(user):
        if not form.is_due_on(day):
            continue
        units = list(selectors.reportable_units(user, form)) if not scope_of(user).everything else []
        subs = {s.unit_id: s for s in Submission.objects.filter(form=form, day=day, unit__in=units)}
        overview = selectors.completeness(user, form, day, with_people=False) if roles_of(user) & set(OVERSEERS) else None
        rows.append({"form": form, "units": [(u, subs.get(u.pk)) for u in units], "overview": overview, "deadline": form.deadline})
    return render(request, "reports/index.html", {"rows": rows, "day": day, "today": timezone.localdate(), **_roles_ctx(user)})


def _sections_view(questions: dict, values: dict, zero: list[str], reasons: dict, expected: dict, errors: dict) -> list[dict]:
    """What the fill-in template needs, section by section, field by field."""
    out = []
    for section in schema.sections(questions):
        fields = []
        for f in section["fields"]:
            path = f"{section['key']}.{f['key']}"
            value = (values.get(section["key"]) or {}).get(f["key"])
            pre = (expected.get(section["key"]) or {}).get(f["key"])
            if value is None and pre is not None:
                value = pre
            answer = details = ""
            if f["type"] == "yesno" and isinstance(value, dict):
                answer = {True: "yes", False: "no"}.get(value.get("answer"), str(value.get("answer") or ""))
                details = value.get("details", "")
            fields.append(
                {
                    **f,
                    "name": f"f-{section['key']}-{f['key']}",
                    "value": "" if value is None else value,
                    "answer": answer,
                    "details": details,
                    "prefilled": pre,
                    "reason": reasons.get(path, ""),
                    "errors": errors.get(path, []),
                }
            )
        out.append(
            {
                **section,
                "zero_allowed": schema.zero_allowed(section),
                "zeroed": section["key"] in zero,
                "fields": fields,
                "errors": errors.get(section["key"], []),
            }
        )
    return out


def _posted_answers(questions: dict, post) -> tuple[dict, list[str], dict[str, str]]:
    data, reasons = {}, {}
    for section in schema.sections(questions):
        values = {}
        for f in section["fields"]:
            name = f"f-{section['key']}-{f['key']}"
            if f["type"] == "yesno":
                values[f["key"]] = {"answer": post.get(name, ""), "details": post.get(f"d-{section['key']}-{f['key']}", "")}
            else:
                values[f["key"]] = post.get(name, "")
            reason = post.get(f"r-{section['key']}-{f['key']}", "").strip()
            if reason:
                reasons[f"{section['key']}.{f['key']}"] = reason
        data[section["key"]] = values
    return data, post.getlist("zero"), reasons


@require_roles(*READERS)
def fill(request, code: str, unit_id: int, day: str):
    """Fill in, submit or revise one unit's report (phone first)."""
    form = _form(code)
    report_day = date_param(day, "day")
    # Units outside the user's scope are not found (404), whoever asks.
    unit = get_visible(form.expected_units().visible_to(request.user), pk=unit_id)
    submission = Submission.objects.filter(form=form, unit=unit, day=report_day).select_related("version").first()
    version = submission.version if submission else form.version_for(report_day)
    if version is None:
        raise Http404
    questions = version.schema
    expected = prefill.prefill_values(questions, unit, report_day)
    errors: dict = {}
    general: list[str] = []
    values = submission.data if submission else {}
    zero = submission.zero_sections if submission else []
    reasons = submission.reasons if submission else {}
    if request.method == "POST":
        values, zero, reasons = _posted_answers(questions, request.POST)
        submit = request.POST.get("action") != "draft"
        try:
            services.submission_save(
                user=request.user, form=form, unit=unit, day=report_day, data=values, zero_sections=zero, reasons=reasons, submit=submit
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, items in exc.message_dict.items():
                    if key in ("__all__", "unit", "day"):
                        general.extend(items)
                    else:
                        errors[key] = items
            else:
                general.extend(exc.messages)
        else:
            messages.success(request, _("The report has been submitted.") if submit else _("The draft has been saved."))
            return redirect("reports:fill", code=form.code, unit_id=unit.pk, day=report_day.isoformat())
    can_edit = can_write(request.user, REPORTERS, unit) and not (submission and submission.is_locked) and report_day <= timezone.localdate()
    if report_day > timezone.localdate():
        general.append(_("%(day)s is in the future; reports are made on the day or afterwards.") % {"day": report_day})
    context = {
        "form": form,
        "unit": unit,
        "day": report_day,
        "submission": submission,
        "version": version,
        "sections": _sections_view(questions, values, zero, reasons, expected, errors),
        "general_errors": general,
        "has_errors": bool(errors or general),
        "can_edit": can_edit,
        "deadline": form.deadline_on(report_day),
        "deadline_key": reminders.key_of(form, report_day),
    }
    return render(request, "reports/fill.html", context, status=400 if request.method == "POST" else 200)


@require_roles(*READERS)
def submission_detail(request, pk: int):
    submission = get_visible(selectors.visible_submissions(request.user), pk=pk)
    questions = submission.version.schema
    revisions = list(submission.revisions.select_related("submitted_by"))
    return render(
        request,
        "reports/detail.html",
        {
            "submission": submission,
            "sections": _sections_view(questions, submission.data, submission.zero_sections, submission.reasons, {}, {}),
            "revisions": revisions,
            "alerts": list(submission.alerts.select_related("acknowledged_by")),
            "can_acknowledge": bool(roles_of(request.user) & set(ACKNOWLEDGERS)),
            "is_office": Role.PREVENTION_OFFICE in roles_of(request.user),
            "comment_form": CommentForm(),
        },
    )


@require_roles(*ACKNOWLEDGERS)
@require_POST
def alert_acknowledge(request, pk: int):
    alert = get_visible(selectors.visible_alerts(request.user), pk=pk)
    services.alert_acknowledge(user=request.user, alert=alert)
    messages.success(request, _("Alert acknowledged: %(rule)s.") % {"rule": alert.rule})
    return redirect(safe_next(request, reverse("reports:detail", args=[alert.submission_id])))


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def review(request, pk: int, action: str):
    submission = get_visible(selectors.visible_submissions(request.user), pk=pk)
    try:
        if action == "approve":
            services.submission_approve(user=request.user, submission=submission)
            messages.success(request, _("The report has been approved and locked."))
        elif action == "return":
            services.submission_return(user=request.user, submission=submission, comment=request.POST.get("comment", ""))
            messages.success(request, _("The report has been returned to the unit."))
        elif action == "exception":
            services.submission_grant_exception(user=request.user, submission=submission, reason=request.POST.get("comment", ""))
            messages.success(request, _("The unit may now change the approved report."))
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("reports:detail", pk=submission.pk)


@require_roles(*READERS)
def completeness(request, code: str):
    form = _form(code)
    day = day_param(request)
    state = selectors.completeness(request.user, form, day)
    show_phones = bool(roles_of(request.user) & PHONE_ROLES)
    phones_shown = sum(1 for r in state.missing_rows for a in r.people if a.staff.phone)
    # Recorded once per page view; the page's own 30-second refresh (htmx) is not a new look.
    if show_phones and phones_shown and not request.htmx:
        record_event(
            SecurityEvent.Kind.REVEAL,
            request=request,
            what="reports.missing_contacts",
            form=form.code,
            day=day.isoformat(),
            phones=phones_shown,
        )
    template = "reports/_completeness.html" if request.htmx else "reports/completeness.html"
    return render(
        request,
        template,
        {
            "form": form,
            "day": day,
            "state": state,
            "show_phones": show_phones,
            "forms": selectors.visible_forms(request.user),
            "prev": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "today": timezone.localdate(),
        },
    )


@require_roles(*READERS)
def overview(request):
    """The completeness table of every form, day by day, for a month."""
    first = _month(request.GET.get("month"))
    last = min(_month_end(first), timezone.localdate())
    forms = selectors.visible_forms(request.user)
    table = selectors.completeness_table(request.user, forms, first, last) if last >= first else []
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = _month_end(first) + timedelta(days=1)
    return render(
        request,
        "reports/overview.html",
        {"table": table, "month": first, "prev": prev_month, "next": next_month, "forms": forms, **_roles_ctx(request.user)},
    )


@require_roles(*READERS)
def calendar(request, code: str):
    form = _form(code)
    first = _month(request.GET.get("month"))
    days, rows = selectors.calendar(request.user, form, first, _month_end(first))
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = _month_end(first) + timedelta(days=1)
    return render(
        request, "reports/calendar.html", {"form": form, "days": days, "rows": rows, "month": first, "prev": prev_month, "next": next_month}
    )


@require_roles(*READERS)
def trends(request, code: str):
    form = _form(code)
    try:
        span = max(7, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        span = 30
    end = timezone.localdate()
    start = end - timedelta(days=span - 1)
    unit = None
    if id_param(request.GET.get("unit")):
        unit = get_visible(form.expected_units().visible_to(request.user), pk=id_param(request.GET["unit"]))
    series = selectors.trends(request.user, form, start, end, unit)
    charts = []
    for index, s in enumerate(series):
        option = {
            "animation": False,
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 48, "right": 16, "top": 24, "bottom": 32},
            "xAxis": {"type": "category", "data": [d[5:] for d in s["days"]]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "line", "name": s["title"], "data": s["values"], "connectNulls": False, "smooth": True}],
        }
        charts.append({"id": f"trend-{index}", "title": s["title"], "option": option})
    units = form.expected_units().visible_to(request.user)
    return render(request, "reports/trends.html", {"form": form, "charts": charts, "span": span, "unit": unit, "units": units})


@require_roles(*OVERSEERS)
def summary_list(request):
    rows = selectors.summary_rows(60)
    return render(request, "reports/summaries.html", {"rows": rows, "today": timezone.localdate(), **_roles_ctx(request.user)})


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def summary_lock(request):
    day = day_param(request)
    try:
        if request.POST.get("unlock"):
            services.summary_unlock(user=request.user, day=day)
            messages.success(request, _("%(day)s is open again: late reports will remake its summary.") % {"day": day})
        else:
            services.summary_lock(user=request.user, day=day)
            messages.success(request, _("%(day)s is locked: its summary will not change.") % {"day": day})
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect("reports:summaries")


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def summary_generate(request):
    day = day_param(request)
    if day > timezone.localdate():
        messages.error(request, _("%(day)s is in the future; reports are made on the day or afterwards.") % {"day": day})
        return redirect("reports:summaries")
    from .summary import summary_generate as generate

    generate(day=day, user=request.user)
    messages.success(request, _("The daily summary of %(day)s has been generated.") % {"day": day})
    return redirect("reports:summaries")


@require_roles(*OVERSEERS)
def summary_download(request, day: str, kind: str):
    if kind not in ("xlsx", "docx"):
        raise Http404
    summary = get_object_or_404(DailySummary, day=parse_date_text(day))
    services.record_summary_download(request=request, summary=summary, what=kind)
    file = getattr(summary, kind)
    name = f"每日疫情防控工作日报-{summary.day:%Y%m%d}.{kind}"
    # The stored file is the same for everyone; this download gets its own watermark.
    from fangxian.core.docx import docx_response
    from fangxian.core.import_views import xlsx_response
    from fangxian.core.xlsx import watermark_for, watermark_xlsx

    with file.open("rb") as handle:
        data = handle.read()
    mark = watermark_for(request.user)
    if kind == "docx":
        return docx_response(data, name, watermark=mark)
    return xlsx_response(watermark_xlsx(data, mark), name)


@require_roles(Role.PREVENTION_OFFICE)
def form_list(request):
    forms = ReportForm.objects.prefetch_related("versions").order_by("sort_order", "code")
    return render(request, "reports/forms.html", {"forms": forms, **_roles_ctx(request.user)})


@require_roles(Role.PREVENTION_OFFICE)
def form_create(request):
    form = FormCreateForm(request.POST or None, initial={"deadline": "10:00", "valid_from": timezone.localdate(), "frequency": "daily"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.form_create(
                user=request.user,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                frequency=data["frequency"],
                deadline=data["deadline"],
                unit_kinds=data["unit_kinds"],
                unit_codes=data["unit_codes"],
                definition=data["definition"],
                valid_from=data["valid_from"],
                once_on=data["once_on"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The report form has been created."))
            return redirect("reports:forms")
    return render(request, "reports/form_edit.html", {"edit_form": form, "report_form": None, **_builder_context()})


PREFILL_LABELS = {
    "ledger.headcount.total": gettext_lazy("Ledger: students on campus (total)"),
    "ledger.headcount.male": gettext_lazy("Ledger: students on campus (male)"),
    "ledger.headcount.female": gettext_lazy("Ledger: students on campus (female)"),
}


def _builder_context() -> dict:
    """What the form builder's script needs: its words, and the pre-fill sources by label."""
    text = {
        "label": _("Question"),
        "type": _("Answer type"),
        "unit": _("Unit of measure"),
        "choices": _("Choices (separated by 、)"),
        "required": _("Required"),
        "prefill": _("Pre-filled from"),
        "no_prefill": _("Not pre-filled"),
        "alert": _("Alert when"),
        "no_alert": _("No alert"),
        "alert_value": _("Alert value"),
        "yes": _("Yes"),
        "no": _("No"),
        "remove": _("Remove"),
        "add_field": _("Add a question"),
        "add_section": _("Add a section"),
        "section_title": _("Section title"),
        "zero": _("May be reported as nothing unusual"),
        "sum": _("Sum rule: total"),
        "no_sum": _("No sum rule"),
        "type_integer": _("Whole number"),
        "type_decimal": _("Number"),
        "type_text": _("Text"),
        "type_yesno": _("Yes / no"),
        "type_choice": _("Choice"),
        "type_date": _("Date"),
    }
    sources = [[code, str(PREFILL_LABELS.get(code, code))] for code in prefill.registered_sources()]
    return {"builder_text": text, "builder_sources": sources}


@require_roles(Role.PREVENTION_OFFICE)
def version_create(request, code: str):
    report_form = get_object_or_404(ReportForm, code=code)
    current = report_form.versions.order_by("-number").first()
    initial = {
        "valid_from": timezone.localdate() + timedelta(days=1),
        "definition": json.dumps(current.schema if current else {}, ensure_ascii=False, indent=2),
    }
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.form_version_create(
                user=request.user,
                form=report_form,
                definition=form.cleaned_data["definition"],
                valid_from=form.cleaned_data["valid_from"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The new version has been saved."))
            return redirect("reports:forms")
    return render(request, "reports/form_edit.html", {"edit_form": form, "report_form": report_form, **_builder_context()})
