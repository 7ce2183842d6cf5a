"""The daily summary (每日疫情防控工作日报) the prevention office sends upward: a workbook
with one row per unit and totals, and a formal document with the totals, the notable items
of the sections that were not 无异常, and the units that did not report. Archived by day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core.docx import add_table, cn_date, new_document, to_bytes
from fangxian.core.xlsx import Sheet, write_workbook

from . import schema
from .models import DailySummary, ReportForm, Submission


@dataclass
class Total:
    """A field's total over the units that reported it. `units` is how many units the figure
    includes (a zero-reported section counts as 0 reported); none means nobody reported it,
    which the summary says as 未报, never as 0."""

    value: float = 0
    units: int = 0
    expected: int = 0

    @property
    def reported(self) -> bool:
        return self.units > 0

    def text(self, unit: str = "") -> str:
        if not self.reported:
            return _("Not reported")
        return _("%(value)s%(unit)s (%(units)s of %(expected)s units)") % {
            "value": f"{self.value:g}",
            "unit": unit,
            "units": self.units,
            "expected": self.expected,
        }


def field_value(submission, section: dict, fld: dict):
    """The figure a report gives for a field: its answer; 0 when the section was reported as
    nothing unusual; None when the unit left it empty or did not report."""
    if submission is None or not submission.is_reported:
        return None
    if section["key"] in (submission.zero_sections or []):
        return 0
    value = (submission.data.get(section["key"]) or {}).get(fld["key"])
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class FormDay:
    form: ReportForm
    questions: dict
    units: list
    submissions: dict
    totals: dict = field(default_factory=dict)

    @property
    def reported(self) -> list:
        return [s for s in self.submissions.values() if s.is_reported]

    @property
    def missing_units(self) -> list:
        return [u for u in self.units if u.pk not in self.submissions or not self.submissions[u.pk].is_reported]

    @property
    def late(self) -> int:
        return sum(1 for s in self.reported if s.is_late)

    @property
    def zero(self) -> int:
        return sum(1 for s in self.reported if s.is_zero)


def collect(day: date) -> list[FormDay]:
    """Every form due on `day`, its expected units and their reports (whole institution)."""
    result = []
    for form in ReportForm.objects.due_on(day):
        version = form.version_for(day)
        if version is None:
            continue
        units = list(form.expected_units())
        submissions = {s.unit_id: s for s in Submission.objects.filter(form=form, day=day).select_related("version")}
        entry = FormDay(form=form, questions=version.schema, units=units, submissions=submissions)
        for section, fld in schema.numeric_fields(version.schema):
            total = Total(expected=len(units))
            for s in entry.reported:
                value = field_value(s, section, fld)
                if value is not None:
                    total.value += value
                    total.units += 1
            entry.totals[(section["key"], fld["key"])] = total
        result.append(entry)
    return result


def snapshot_note(entries: list[FormDay], now: datetime | None = None) -> str:
    """When the summary was made, and that it holds only the reports in by then."""
    reported = sum(len(e.reported) for e in entries)
    expected = sum(len(e.units) for e in entries)
    return _("Made at %(time)s with the %(reported)s of %(expected)s reports in by then; later reports are not in it.") % {
        "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "reported": reported,
        "expected": expected,
    }


def _status_text(submission) -> str:
    if submission is None or not submission.is_reported:
        return _("Not reported")
    if submission.is_late:
        return _("Late")
    return _("On time")


def build_workbook(day: date, entries: list[FormDay]) -> bytes:
    overview = Sheet(
        title=_("Overview"),
        headers=[_("Form"), _("Expected"), _("Submitted"), _("On time"), _("Late"), _("Missing"), _("Zero reports")],
        rows=[
            [e.form.name, len(e.units), len(e.reported), len(e.reported) - e.late, e.late, len(e.missing_units), e.zero] for e in entries
        ],
        notes=[_("Daily epidemic prevention report, %(day)s") % {"day": day.isoformat()}, snapshot_note(entries)],
    )
    sheets = [overview]
    for e in entries:
        numeric = schema.numeric_fields(e.questions)
        headers = [_("Unit"), _("Status"), _("Submitted at"), _("Zero report")] + [f"{s['title']}·{f['label']}" for s, f in numeric]
        rows = []
        for unit in e.units:
            sub = e.submissions.get(unit.pk)
            reported = sub is not None and sub.is_reported
            row = [
                unit.name,
                _status_text(sub),
                timezone.localtime(sub.first_submitted_at).strftime("%H:%M") if reported and sub.first_submitted_at else "",
                (_("Yes") if sub.is_zero else _("No")) if reported else "",
            ]
            for s, f in numeric:
                value = field_value(sub, s, f)
                row.append(value if value is not None else (_("Not reported") if not reported else "—"))
            rows.append(row)
        totals = [e.totals[(s["key"], f["key"])] for s, f in numeric]
        rows.append(
            [_("Total"), f"{len(e.reported)}/{len(e.units)}", "", e.zero] + [t.value if t.reported else _("Not reported") for t in totals]
        )
        rows.append(
            [_("Units included"), "", "", ""] + [f"{t.units}/{t.expected}" for t in totals],
        )
        sheets.append(Sheet(title=e.form.name, headers=headers, rows=rows))
    return write_workbook(sheets)


def build_document(day: date, entries: list[FormDay]) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = new_document(
        _("Daily epidemic prevention work report"),
        subtitle=_("%(institution)s · %(day)s") % {"institution": settings.INSTITUTION_NAME, "day": cn_date(day)},
        lines=[snapshot_note(entries)],
    )

    doc.add_heading(_("1. Reporting"), level=1)
    add_table(
        doc,
        [_("Form"), _("Expected"), _("Submitted"), _("On time"), _("Late"), _("Missing")],
        ([e.form.name, len(e.units), len(e.reported), len(e.reported) - e.late, e.late, len(e.missing_units)] for e in entries),
    )

    doc.add_heading(_("2. Main figures"), level=1)
    for e in entries:
        numeric = schema.numeric_fields(e.questions)
        if not numeric:
            continue
        if not e.reported:
            # Nobody reported on this form: no figure at all, not a row of zeros.
            doc.add_paragraph(f"{e.form.name}：" + _("not reported by any unit") + "。", style="List Bullet")
            continue
        parts = [f"{f['label']} {e.totals[(s['key'], f['key'])].text(f.get('unit', ''))}" for s, f in numeric]
        doc.add_paragraph(f"{e.form.name}：" + "；".join(parts) + "。", style="List Bullet")

    doc.add_heading(_("3. Matters needing attention"), level=1)
    notable = 0
    for e in entries:
        for unit in e.units:
            sub = e.submissions.get(unit.pk)
            if sub is None or not sub.is_reported:
                continue
            for section_title, label, text in schema.notable_items(sub.version.schema, sub.data, sub.zero_sections):
                doc.add_paragraph(f"{unit.name}（{e.form.name}）{section_title}·{label}：{text}", style="List Bullet")
                notable += 1
    if not notable:
        doc.add_paragraph(_("All reporting units reported nothing unusual."))

    doc.add_heading(_("4. Units that did not report"), level=1)
    missing_any = False
    for e in entries:
        if e.missing_units:
            missing_any = True
            doc.add_paragraph(f"{e.form.name}：" + "、".join(u.name for u in e.missing_units), style="List Bullet")
    if not missing_any:
        doc.add_paragraph(_("Every unit reported."))

    closing = doc.add_paragraph(_("Prevention and control office") + "\n" + timezone.localtime().strftime("%Y-%m-%d %H:%M"))
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return to_bytes(doc)


@transaction.atomic
def summary_generate(*, day: date, user=None) -> DailySummary:
    """Build (or rebuild) the summary of `day` and archive both files in the shared file
    storage (core.storage); the previous files of that day go once this commits."""
    entries = collect(day)
    xlsx = build_workbook(day, entries)
    docx = build_document(day, entries)
    summary = DailySummary.objects.select_for_update().filter(day=day).first() or DailySummary(day=day)
    # Names, not the FieldFiles: saving the new file renames that same FieldFile object, and
    # deleting "the old file" through it deleted the file just made.
    old_files = [(f.storage, f.name) for f in (summary.xlsx, summary.docx) if f]
    stamp = timezone.localtime().strftime("%H%M%S")
    summary.xlsx.save(f"daily-summary-{day:%Y%m%d}-{stamp}.xlsx", ContentFile(xlsx), save=False)
    summary.docx.save(f"daily-summary-{day:%Y%m%d}-{stamp}.docx", ContentFile(docx), save=False)
    summary.expected = sum(len(e.units) for e in entries)
    summary.submitted = sum(len(e.reported) for e in entries)
    summary.missing = summary.expected - summary.submitted
    summary.generated_at = timezone.now()
    summary.generated_by = user
    summary.save()
    for storage, name in old_files:
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    return summary


def summary_time() -> time:
    hour, minute = (int(part) for part in settings.REPORTS_SUMMARY_TIME.split(":"))
    return time(hour, minute)


def summary_due(*, now: datetime | None = None) -> DailySummary | None:
    """Generate today's summary once the configured time has passed, if not done yet."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.time() < summary_time() or DailySummary.objects.filter(day=local.date()).exists():
        return None
    try:
        return summary_generate(day=local.date())
    except IntegrityError:
        return None  # another consumer made it at the same moment
