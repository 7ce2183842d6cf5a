"""The roster as the xlsx offices exchange (值班表) and as a docx to post on the wall."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from fangxian.core import docx
from fangxian.core.xlsx import Sheet, write_workbook

from .models import Roster
from .selectors import roster_rows
from .services.rosters import person_label

HEADERS = ["日期", "星期", "班次", "带班领导", "值班人员", "联系电话"]


def _people(posts) -> str:
    return "、".join(person_label(p.staff) for p in posts)


def _phones(posts, reveal: bool) -> str:
    return "、".join((p.phone if reveal else p.phone_masked) or "—" for p in posts)


def roster_xlsx(roster: Roster, first: date, last: date, *, reveal: bool) -> tuple[bytes, int]:
    rows = []
    for row in roster_rows(roster, first, last):
        rows.append(
            [
                row.day.isoformat(),
                row.weekday,
                row.label,
                _people(row.leaders),
                _people(row.staff),
                _phones([*row.leaders, *row.staff], reveal),
            ]
        )
    sheet = Sheet(f"值班表 {first:%Y-%m}", HEADERS, rows, widths=[12, 8, 8, 18, 40, 40])
    return write_workbook([sheet]), len(rows)


def roster_docx(roster: Roster, first: date, last: date, *, reveal: bool) -> bytes:
    doc = docx.new_document(
        _("Duty roster"),
        subtitle=f"{roster.unit.name} · {docx.cn_date(first)}—{docx.cn_date(last)}",
    )
    rows = [
        (
            f"{row.day:%m-%d} {row.weekday}",
            row.label,
            "、".join(p.staff.name for p in row.leaders) or "—",
            "、".join(p.staff.name for p in row.staff) or "—",
            _phones([*row.leaders, *row.staff], reveal),
        )
        for row in roster_rows(roster, first, last)
    ]
    docx.add_table(doc, ["日期", "班次", "带班领导", "值班人员", "联系电话"], rows)
    docx.add_signature(doc, roster.unit.name)
    return docx.to_bytes(doc)
