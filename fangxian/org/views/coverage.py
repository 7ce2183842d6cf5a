"""The coverage-gap page (不留空白), its xlsx export and the prevention office's home tile."""

from __future__ import annotations

from io import BytesIO

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role, roles_of
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.web.home import Tile

from .. import selectors
from ..access import COVERAGE_READERS, assignable_roles
from ..coverage import GapKind, coverage_report
from ..export import append_row
from ..forms import CoverageFilterForm
from ..models import Place, Unit
from ..registry import role_label
from ..scope import scope_of


def _report(request):
    form = CoverageFilterForm(
        request.GET or None,
        campuses=selectors.visible_places(request.user).active().filter(kind=Place.Kind.CAMPUS),
        colleges=selectors.visible_units(request.user)
        .active()
        .filter(kind__in=[Unit.Kind.COLLEGE, Unit.Kind.HOSPITAL, Unit.Kind.DEPARTMENT]),
    )
    day, at, campus, college = timezone.localdate(), None, None, None
    if form.is_valid():
        day = form.cleaned_data["on"] or day
        at = form.cleaned_data.get("at")
        campus, college = form.cleaned_data["campus"], form.cleaned_data["college"]
    report = coverage_report(day=day, at=at, scope=scope_of(request.user), campus=campus, college=college)
    filters = {"on": report.day.isoformat(), "campus": campus.pk if campus else None, "college": college.pk if college else None}
    if at is not None:
        filters["at"] = timezone.localtime(at).isoformat(timespec="minutes")
    return form, report, filters


@require_roles(*COVERAGE_READERS)
def coverage(request):
    form, report, _filters = _report(request)
    # One page of students per student rule (the same ?page= for all of them).
    student_pages = {
        section.key: Paginator(section.result.students, 50).get_page(request.GET.get("page"))
        for section in report.sections("student")
        if section.count
    }
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "org/coverage.html",
        {
            "form": form,
            "report": report,
            "student_pages": student_pages,
            "query": query.urlencode(),
            "assignable": set(assignable_roles(request.user)),
            "back": request.get_full_path(),
        },
    )


@require_roles(*COVERAGE_READERS)
def coverage_export(request):
    """The same report as the page, as xlsx; recorded as an export with filter and row count."""
    _form, report, filters = _report(request)
    from fangxian.core.xlsx import stamp_sheet, watermark_cell, watermark_for

    mark = watermark_for(request.user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Coverage gaps"))
    stamp_sheet(sheet, mark)
    sheet.append([watermark_cell(sheet, mark)])
    append_row(sheet, [_("Gap"), _("Node"), _("Kind"), _("Under"), _("Role to assign")])
    rows = 0
    for section in report.sections():
        for gap in section.gaps:
            if gap.node is not None:
                cells = [gap.node.name, gap.node.get_kind_display(), " / ".join(gap.trail)]
            else:
                cells = [gap.day.isoformat(), _("Day"), ""]
            append_row(sheet, [str(section.label), *cells, role_label(gap.role)])
            rows += 1
    students = workbook.create_sheet(_("Students without one-to-one"))
    stamp_sheet(students, mark)
    held: list[int] = []  # the students it lists, for the export record
    students.append([watermark_cell(students, mark)])
    append_row(students, [_("Student number"), _("Name"), _("Class"), _("Bed"), _("Gap")])
    for section in report.sections("student"):
        for student in section.result.students.iterator(chunk_size=2000):
            bed = student.bed.name if student.bed else ""
            append_row(students, [student.student_number, student.name, student.klass.name, bed, str(section.label)])
            held.append(student.pk)
            rows += 1
    buffer = BytesIO()
    # Written out before the record: an export the quota refuses leaves no half-written
    # workbook behind (its streaming sheets would be torn down by the garbage collector).
    workbook.save(buffer)
    with transaction.atomic():
        record_event(SecurityEvent.Kind.EXPORT, request=request, what="coverage_gaps", filters=filters, rows=rows, students=held)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="coverage-gaps-{report.day.isoformat()}.xlsx"'
    return response


def home_tiles(user) -> list[Tile]:
    """The prevention office's tile: how many gaps there are today."""
    if Role.PREVENTION_OFFICE not in roles_of(user):
        return []
    report = coverage_report(day=timezone.localdate(), scope=scope_of(user))
    counts = report.counts
    note = _("%(classes)s classes without a class teacher, %(students)s students without one-to-one") % {
        "classes": counts.get(GapKind.CLASS_TEACHER, 0),
        "students": counts.get(GapKind.ONE_TO_ONE, 0),
    }
    return [
        Tile(
            title=_("Coverage gaps"),
            value=report.total,
            url=reverse("org:coverage"),
            tone="danger" if report.total else "success",
            note=note,
        )
    ]
