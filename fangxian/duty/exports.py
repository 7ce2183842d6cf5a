"""The roster as the xlsx offices exchange (值班表) and as a docx to post on the wall.
Phones are masked in both for every role; an approved unmasked-export grant
(fangxian.core.exports) shows them in full to the roles that may reveal them, once."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core import docx
from fangxian.core.exports import ExportKind, register_export
from fangxian.core.xlsx import Sheet, write_workbook

from .models import Roster
from .selectors import roster_rows
from .services.rosters import person_label

EXPORT_XLSX = "duty.roster"
EXPORT_DOCX = "duty.roster_docx"


def register() -> None:
    from . import access

    def count(user, params: dict, args: tuple) -> int:
        from django.http import Http404

        from fangxian.core.params import date_param

        from .selectors import month_bounds, visible_rosters

        roster = visible_rosters(user).filter(pk=int(args[0]) if args else None).first()
        if roster is None:
            raise Http404  # out of scope: as if it did not exist
        month = date_param(params.get("month"), "month") or timezone.localdate()
        first, last = month_bounds(month.replace(day=1))
        return len(roster_rows(roster, first, last))

    kinds = ((EXPORT_XLSX, _("Duty roster"), "duty:roster_export"), (EXPORT_DOCX, _("Duty roster (docx)"), "duty:roster_print"))
    for key, label, url in kinds:
        register_export(ExportKind(key, label, url, params=("month",), count=count, roles=access.PHONE_ROLES))


def staff_ids(roster: Roster, first: date, last: date) -> list[int]:
    """The staff a roster export lists (its rows, for the export record)."""
    return sorted({p.staff_id for row in roster_rows(roster, first, last) for p in [*row.leaders, *row.staff]})


HEADERS = ["日期", "星期", "班次", "带班领导", "值班人员", "联系电话"]


def _people(posts) -> str:
    return "、".join(person_label(p.staff) for p in posts)


def _phones(posts, reveal: bool) -> str:
    return "、".join((p.phone if reveal else p.phone_masked) or "—" for p in posts)


def roster_xlsx(roster: Roster, first: date, last: date, *, reveal: bool, watermark: str | None = None) -> tuple[bytes, int]:
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
    return write_workbook([sheet], watermark=watermark), len(rows)


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
