"""A figure nobody reported is 未报, never 0: in the summary's workbook and document."""

from __future__ import annotations

import io

from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from fangxian.reports import services
from fangxian.reports.models import ReportForm
from fangxian.reports.summary import build_document, build_workbook, collect


def _document_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_a_form_nobody_reported_says_not_reported_not_zero(rep, settings):
    hospital = rep.uni.institution.children.create(kind="hospital", name="附属医院", code="hospital")
    assert ReportForm.objects.get(code="hospital-daily").expected_units().filter(pk=hospital.pk).exists()
    day = timezone.localdate()
    services.submission_save(
        user=rep.uni.college_admin_user, form=rep.form, unit=rep.uni.college, day=day, now=rep.at(9), **rep.zero_report()
    )
    entries = collect(day)
    text = _document_text(build_document(day, entries))
    hospital_line = next(line for line in text.splitlines() if line.startswith("附属医院日报："))
    assert "0人" not in hospital_line and "未报" in hospital_line
    college_line = next(line for line in text.splitlines() if line.startswith("学院日报："))
    # One of the two colleges reported: the total says it includes one unit of two.
    assert "在校学生总数 3人（1/2个单位）" in college_line
    # A section reported as nothing unusual counts as a reported 0.
    assert "安全稳定事件数 0起（1/2个单位）" in college_line

    book = load_workbook(io.BytesIO(build_workbook(day, entries)))
    rows = list(book["附属医院日报"].iter_rows(values_only=True))
    assert rows[1][0] == "附属医院" and rows[1][1] == "未报" and set(rows[1][4:]) == {"未报"}
    assert rows[-2][0] == "合计" and set(rows[-2][4:]) == {"未报"}
    assert rows[-1][0] == "包含单位" and set(rows[-1][4:]) == {"0/1"}
    college_rows = list(book["学院日报"].iter_rows(values_only=True))
    assert college_rows[2][0] == "文学院" and college_rows[2][4] == "未报"
    assert college_rows[-2][4] == 3 and college_rows[-1][4] == "1/2"
