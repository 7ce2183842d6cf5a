"""The round's report for the city (xlsx: summary, per unit, every person; docx: the
summary and the abnormal tubes), in the reader's scope."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core import idnumber
from fangxian.core.docx import add_signature, add_table, new_document, to_bytes
from fangxian.core.xlsx import Sheet, write_workbook

from . import selectors
from .models import FLAGGED, Result, Round


def _hm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _summary_rows(cov) -> list[list]:
    return [[g.name, g.expected, g.sampled, g.missing, f"{g.percent}%"] for g in cov.by_unit]


def round_workbook(user, round: Round, *, show_id: bool, watermark: str | None = None) -> tuple[bytes, int]:
    cov = selectors.coverage(user, round, missing_limit=0)
    members = (
        selectors.visible_members(user, round)
        .select_related("student__klass", "staff__unit", "slot__place", "sample__tube")
        .order_by("unit_id", "klass_id", "id")
    )
    names = {g.key: g.name for g in cov.by_unit}
    buildings = {g.key: g.name for g in cov.by_building}
    people = []
    for m in members:
        p = m.person
        id_number = p.id_number if show_id else (idnumber.mask(p.id_number) if p.id_number else "")
        sample = getattr(m, "sample", None) if m.sampled_at else None
        people.append(
            [
                p.name,
                m.number,
                id_number,
                names.get(m.unit_id, ""),
                m.student.klass.name if m.student_id else "",
                buildings.get(m.building_id, ""),
                timezone.localtime(m.sampled_at).strftime("%Y-%m-%d %H:%M") if m.sampled_at else _("Not sampled"),
                sample.tube.number if sample else "",
                sample.get_result_display() if sample else "",
            ]
        )
    headers = [_("Unit"), _("Expected to test"), _("Sampled"), _("Not sampled"), _("Share sampled")]
    title = f"{round.name} · {round.kind_label} · {round.day.isoformat()}"
    sheets = [
        Sheet(
            _("Summary"),
            headers,
            [*_summary_rows(cov), [_("Total"), cov.expected, cov.sampled, cov.missing_count, f"{cov.percent}%"]],
            notes=[title],
        ),
        Sheet(
            _("People"),
            ["姓名", "学号/工号", "身份证号", "单位", "班级", "宿舍楼", "采样时间", "试管编号", "检测结果"],
            people,
        ),
    ]
    return write_workbook(sheets, watermark=watermark), len(people)


def round_document(user, round: Round) -> tuple[bytes, int]:
    cov = selectors.coverage(user, round, missing_limit=0)
    doc = new_document(
        _("Screening round report"),
        subtitle=f"{round.institution.name} · {round.name}",
        lines=[f"{round.kind_label} · {round.day.isoformat()} {_hm(round.starts_at)}–{_hm(round.ends_at)}"],
    )
    doc.add_paragraph(
        _("Expected %(expected)s, sampled %(sampled)s, missing %(missing)s (%(percent)s%% sampled); %(flagged)s abnormal tubes.")
        % {
            "expected": cov.expected,
            "sampled": cov.sampled,
            "missing": cov.missing_count,
            "percent": cov.percent,
            "flagged": cov.flagged_tubes,
        }
    )
    add_table(doc, [_("Unit"), _("Expected to test"), _("Sampled"), _("Not sampled"), _("Share sampled")], _summary_rows(cov))
    flagged = list(selectors.flagged_tubes(user, round))
    if flagged:
        doc.add_paragraph(_("Abnormal tubes"))
        rows = []
        for tube in flagged:
            people = "、".join(s.member.person.name for s in selectors.tube_members(user, tube))
            rows.append([tube.number, Result(tube.result).label, tube.place.name, people])
        add_table(doc, [_("Tube number"), _("Result"), _("Sampling site"), _("People")], rows)
    add_signature(doc, _("Prevention and control office"))
    return to_bytes(doc), len(flagged) + len(cov.by_unit)


__all__ = ["FLAGGED", "round_document", "round_workbook"]
