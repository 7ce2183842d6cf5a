"""Documents: the campaign workbook (every place, every finding), the formal 通报 of a
campaign, and the rectification notice (整改通知书) of a finding."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core.docx import add_signature, add_table, cn_date, new_document, to_bytes
from fangxian.core.xlsx import Sheet, write_workbook

from . import selectors
from .models import LEVEL_ORDER, Campaign, Finding, Inspection

STATE_LABELS = {"submitted": "已检查", "draft": "检查中（草稿）", "none": "未检查"}


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _campaign_findings(user, campaign: Campaign):
    return (
        selectors.findings(user)
        .filter(campaign=campaign)
        .select_related("place", "owner", "unit", "campus", "inspection__inspector")
        .order_by("place__path", "created_at", "pk")
    )


def campaign_xlsx(user, campaign: Campaign, *, watermark: str | None = None) -> tuple[bytes, int]:
    coverage = selectors.campaign_coverage(user, campaign)
    places = [
        [
            row.campus_name or "",
            row.place_name,
            row.unit_name or "",
            row.inspector_name or "",
            row.owner_name or "",
            STATE_LABELS[row.state],
            f"{row.answered}/{row.item_count}",
            _local(row.submitted_at) if row.state == Inspection.Status.SUBMITTED else "",
            row.open_findings,
            row.overdue,
        ]
        for row in coverage.rows
    ]
    found = list(_campaign_findings(user, campaign))
    rows = [
        [
            f.campus.name if f.campus_id else "",
            f.place.name,
            f.title,
            f.description,
            f.get_level_display(),
            f.get_status_display(),
            f.owner.name if f.owner_id else "",
            f.unit.name if f.unit_id else "",
            f.inspection.inspector.name,
            _local(f.created_at),
            _local(f.due_at),
            "是" if f.is_overdue else "",
            _local(f.closed_at),
            f.returned_count,
        ]
        for f in found
    ]
    sheets = [
        Sheet(
            "检查场所",
            ["校区", "场所", "责任单位", "检查人", "责任人", "检查状态", "已答项", "提交时间", "未销号隐患", "逾期隐患"],
            places,
            notes=[f"{campaign.name}（{campaign.starts_on}—{campaign.ends_on}）"],
        ),
        Sheet(
            "隐患清单",
            [
                "校区",
                "场所",
                "隐患",
                "说明",
                "等级",
                "状态",
                "责任人",
                "责任单位",
                "检查人",
                "发现时间",
                "整改期限",
                "逾期",
                "销号时间",
                "退回次数",
            ],
            rows,
        ),
    ]
    return write_workbook(sheets, watermark=watermark), len(places) + len(rows)


def campaign_docx(user, campaign: Campaign) -> bytes:
    """The 通报 the office sends to units: progress, findings by level, per unit, the overdue."""
    coverage = selectors.campaign_coverage(user, campaign)
    total = coverage.total
    doc = new_document(
        f"关于{campaign.name}情况的通报",
        subtitle=f"{cn_date(campaign.starts_on)}至{cn_date(campaign.ends_on)}",
    )
    found_total = sum(row[3] for row in coverage.matrix)
    open_total = sum(row[2].get("open", 0) + row[2].get("reported", 0) for row in coverage.matrix)
    doc.add_paragraph(
        f"各单位：根据学校部署，{campaign.name}计划检查场所{total.planned}处，已完成检查{total.inspected}处"
        f"（{total.percent}%），尚有{total.not_inspected}处未检查。共发现安全隐患{found_total}项，"
        f"其中尚未销号{open_total}项，逾期未整改{len(coverage.overdue)}项。现将有关情况通报如下。"
    )
    doc.add_paragraph("一、隐患等级与整改情况")
    add_table(
        doc,
        ["隐患等级", "待整改", "已整改待验收", "已销号", "合计"],
        [[label, counts.get("open", 0), counts.get("reported", 0), counts.get("closed", 0), n] for _l, label, counts, n in coverage.matrix],
    )
    doc.add_paragraph("二、各单位检查进度")
    add_table(
        doc,
        ["单位", "计划", "已检查", "未检查", "完成率", "未销号隐患", "逾期"],
        [[t.name, t.planned, t.inspected, t.not_inspected, f"{t.percent}%", t.open_findings, t.overdue] for t in coverage.by_unit],
    )
    doc.add_paragraph("三、各校区检查进度")
    add_table(
        doc,
        ["校区", "计划", "已检查", "未检查", "完成率", "未销号隐患", "逾期"],
        [[t.name, t.planned, t.inspected, t.not_inspected, f"{t.percent}%", t.open_findings, t.overdue] for t in coverage.by_campus],
    )
    missing = coverage.not_inspected
    doc.add_paragraph("四、尚未检查的场所")
    add_table(
        doc,
        ["场所", "检查人", "状态"],
        [[row.place_name, row.inspector_name or "未指定", STATE_LABELS[row.state]] for row in missing[:500]],
    )
    if len(missing) > 500:
        doc.add_paragraph(f"（另有{len(missing) - 500}处，详见检查台账。）")
    doc.add_paragraph("五、逾期未整改的隐患")
    add_table(
        doc,
        ["场所", "隐患", "等级", "责任人", "整改期限"],
        [
            [f.place.name, f.title, f.get_level_display(), f.owner.name if f.owner_id else "未指定", _local(f.due_at)]
            for f in sorted(coverage.overdue, key=lambda f: (LEVEL_ORDER[f.level], f.due_at, f.pk))
        ],
    )
    doc.add_paragraph(
        "请各单位对照隐患清单，靠实责任，按期完成整改并上传整改情况；逾期未整改的，学校将督查督办。"
        "各单位要全面排查、查漏补缺，做到不留空白、不留死角。"
    )
    add_signature(doc, "学校疫情防控工作领导小组办公室")
    return to_bytes(doc)


def notice_docx(finding: Finding) -> bytes:
    """整改通知书: to the person responsible, naming the hazard, its level and the deadline."""
    owner = finding.owner.name if finding.owner_id else "（未指定）"
    unit = finding.unit.name if finding.unit_id else ""
    doc = new_document("安全隐患整改通知书", subtitle=f"编号：AQYH-{finding.created_at:%Y}-{finding.pk:05d}")
    doc.add_paragraph(f"{unit + ' ' if unit else ''}{owner}：")
    doc.add_paragraph(
        f"{timezone.localtime(finding.created_at):%Y年%m月%d日}，在“{finding.campaign.name}”中，检查人员在{finding.place.name}"
        f"发现以下安全隐患，隐患等级为{finding.get_level_display()}。请于{timezone.localtime(finding.due_at):%Y年%m月%d日 %H:%M}前"
        "完成整改，并在平台上报整改情况（附整改照片），经检查人员验收后销号。"
    )
    add_table(
        doc,
        [_("Place"), _("Hazard"), _("Description"), _("Level"), _("Rectify by")],
        [[finding.place.name, finding.title, finding.description or "—", finding.get_level_display(), _local(finding.due_at)]],
    )
    doc.add_paragraph("逾期未整改的，平台将提醒所在单位包抓领导并报学校疫情防控办公室，重大隐患同时按突发事件信息报告要求报告。")
    doc.add_paragraph(f"检查人：{finding.inspection.inspector.name}")
    add_signature(doc, "学校疫情防控工作领导小组办公室", finding.created_at)
    return to_bytes(doc)
