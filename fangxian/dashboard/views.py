"""Dashboard pages: the day's overview (desktop and phone), the big screen for the command
room, drill-down campus → college → class → students, the reconciliation with one-click
notices, and xlsx exports of every table. Thin: figures come from `selectors` (roll-ups)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.params import day_param, id_param
from fangxian.core.xlsx import XLSX_CONTENT_TYPE, Sheet, watermark_for, write_workbook
from fangxian.org.access import can_write
from fangxian.org.models import Place
from fangxian.reports import selectors as reports

from . import charts, selectors, services
from .access import ACKNOWLEDGERS, NOTIFIERS, READERS
from .reconcile import reconcile as build_reconciliation
from .students import class_students
from .tiles import TileContext, tiles_for


def _day(request) -> date:
    return day_param(request, at_most_today=True)  # a dashboard shows what has happened


def _campus(request) -> Place | None:
    value = request.GET.get("campus")
    if not value:
        return None
    if not id_param(value):
        raise Http404
    campus = selectors.visible_campuses(request.user).filter(pk=id_param(value)).first()
    if campus is None:
        raise Http404
    return campus


def _overview_context(request, *, dark: bool = False) -> dict:
    day, campus = _day(request), _campus(request)
    summary = selectors.summary(request.user, day, campus)
    points = selectors.daily_series(request.user, day)
    chart_list = [
        {"id": "chart-colleges", "title": _("Ledger, report and gate presence by college"), "option": charts.by_college(summary, dark)},
        {"id": "chart-categories", "title": _("Students by category"), "option": charts.categories(summary, dark)},
        {"id": "chart-series", "title": _("The last 14 days"), "option": charts.series(points, dark)},
    ]
    if summary.sees_gates:
        chart_list.insert(1, {"id": "chart-traffic", "title": _("Gate traffic by hour"), "option": charts.traffic(summary, dark)})
    return {
        "day": day,
        "today": timezone.localdate(),
        "campus": campus,
        "summary": summary,
        "tiles": tiles_for(TileContext(request.user, day, campus, summary)),
        "charts": chart_list,
        "alerts": list(reports.open_alerts(request.user)),
        "can_acknowledge": bool(roles_of(request.user) & set(ACKNOWLEDGERS)),
        "query": f"day={day.isoformat()}" + (f"&campus={campus.pk}" if campus else ""),
    }


@require_roles(*READERS)
def overview(request):
    return render(request, "dashboard/overview.html", _overview_context(request))


@require_roles(*READERS)
def screen(request):
    """The command room's big screen: dark, 1920×1080, refreshes itself every minute."""
    return render(request, "dashboard/screen.html", _overview_context(request, dark=True))


@require_roles(*READERS)
def screen_panel(request):
    return render(request, "dashboard/_screen_panel.html", _overview_context(request, dark=True))


@require_roles(*READERS)
def college(request, pk: int):
    unit, reach = selectors.get_college(request.user, pk)
    day = _day(request)
    lines = selectors.college_lines(unit, day, reach)
    return render(request, "dashboard/college.html", {"college": unit, "day": day, "lines": lines, "whole": reach.owns(unit.pk)})


@require_roles(*READERS)
def klass(request, pk: int):
    unit, college_unit = selectors.get_class(request.user, pk)
    day = _day(request)
    rows = class_students(unit, college_unit, day, user=request.user)
    return render(request, "dashboard/klass.html", {"klass": unit, "college": college_unit, "day": day, "rows": rows})


@require_roles(*READERS)
def reconcile(request):
    day = _day(request)
    summary = selectors.summary(request.user, day)
    return render(request, "dashboard/reconcile.html", {"day": day, "summary": summary})


@require_roles(*READERS)
def reconcile_college(request, pk: int):
    unit, _reach = selectors.get_college(request.user, pk, whole=True)
    day = _day(request)
    result = build_reconciliation(unit, day)
    may_notify = can_write(request.user, NOTIFIERS)
    return render(request, "dashboard/reconcile_college.html", {"college": unit, "day": day, "r": result, "may_notify": may_notify})


@require_POST
@require_roles(*NOTIFIERS)
def reconcile_notify(request, pk: int):
    unit, _reach = selectors.get_college(request.user, pk, whole=True)
    day = _day(request)
    student_id = request.POST.get("student", "")
    reason = request.POST.get("reason", "")
    result = build_reconciliation(unit, day)
    named = next((n for n in result.named if str(n.student.pk) == student_id and n.reason == reason), None)
    if named is None:
        raise Http404
    url = reverse("dashboard:reconcile_college", args=[unit.pk]) + f"?day={day.isoformat()}"
    sent = services.notify_responsible(named=named, day=day, by=request.user, url=url)
    if sent:
        messages.success(request, _("Notice sent to %(names)s.") % {"names": "、".join(sent)})
    else:
        messages.warning(request, _("%(student)s has no responsible staff member with an account.") % {"student": named.student.name})
    return redirect(url)


# -- exports ---------------------------------------------------------------------------


def _xlsx(request, *, name: str, sheet: Sheet, detail: dict) -> HttpResponse:
    content = write_workbook([sheet], watermark=watermark_for(request.user))
    record_event(SecurityEvent.Kind.EXPORT, request=request, export=f"dashboard.{name}", rows=len(sheet.rows), **detail)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="dashboard-{name}-{detail["day"]}.xlsx"'
    return response


LINE_HEADERS = ["名称", "台账在校", "日报人数", "门禁在校", "外出未归", "批准外出", "刷卡进入未在台账", "逾期未归", "无一对一责任人"]


def _line_rows(lines) -> list[list]:
    return [
        [line.name, line.ledger, line.reported if line.reported is not None else _("Not reported"), line.present, line.out_not_back]
        + [line.on_leave, line.in_unexpected, line.overdue, line.no_one_to_one]
        for line in lines
    ]


@require_roles(*READERS)
def export_colleges(request):
    day, campus = _day(request), _campus(request)
    summary = selectors.summary(request.user, day, campus)
    sheet = Sheet(_("Colleges"), LINE_HEADERS, _line_rows(summary.lines), notes=[_("Command dashboard on %(day)s.") % {"day": day}])
    return _xlsx(request, name="colleges", sheet=sheet, detail={"day": day.isoformat(), "campus": campus.pk if campus else None})


@require_roles(*READERS)
def export_college(request, pk: int):
    (unit, reach), day = selectors.get_college(request.user, pk), _day(request)
    sheet = Sheet(unit.name, LINE_HEADERS, _line_rows(selectors.college_lines(unit, day, reach)), notes=[f"{unit.name} · {day}"])
    return _xlsx(request, name="classes", sheet=sheet, detail={"day": day.isoformat(), "college": unit.pk})


@require_roles(*READERS)
def export_class(request, pk: int):
    unit, college_unit = selectors.get_class(request.user, pk)
    day = _day(request)
    rows = [
        [r.student.student_number, r.student.name, _("yes") if r.in_ledger else _("no"), r.direction_label, r.at_text, r.staff_text]
        + [_("yes") if r.overdue else ""]
        for r in class_students(unit, college_unit, day, user=request.user)
    ]
    headers = ["学号", "姓名", "台账在校", "最后刷卡", "刷卡时间", "责任人", "逾期未归"]
    sheet = Sheet(unit.name, headers, rows, notes=[f"{college_unit.name} · {unit.name} · {day}"])
    return _xlsx(request, name="students", sheet=sheet, detail={"day": day.isoformat(), "class": unit.pk})


@require_roles(*READERS)
def export_reconcile(request, pk: int):
    (unit, _reach), day = selectors.get_college(request.user, pk, whole=True), _day(request)
    r = build_reconciliation(unit, day)
    rows = [
        [n.student.student_number, n.student.name, n.student.klass.name, n.reason_label]
        + [timezone.localtime(n.at).strftime("%Y-%m-%d %H:%M") if n.at else "", _("yes") if n.overdue else "", "、".join(n.staff)]
        for n in r.named
    ]
    notes = [
        f"{unit.name} · {day}",
        _("Ledger %(ledger)s, daily report %(report)s, gate presence %(present)s.")
        % {"ledger": r.ledger, "report": r.reported if r.reported is not None else "—", "present": r.present},
    ]
    headers = ["学号", "姓名", "班级", "差异原因", "时间", "逾期未归", "责任人"]
    sheet = Sheet(_("Reconciliation"), headers, rows, notes=notes)
    return _xlsx(request, name="reconcile", sheet=sheet, detail={"day": day.isoformat(), "college": unit.pk})
