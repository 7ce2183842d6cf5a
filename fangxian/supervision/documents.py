"""The formal documents of a 督办 (fangxian.core.docx house style): the notice to the unit
(督办通知单) and the closing record (督办办结记录)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.core.docx import add_signature, add_table, cn_date, new_document, to_bytes

from .models import Case


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


def _people(case: Case) -> str:
    return "、".join(s.name for s in case.responsible.order_by("name", "pk")) or "—"


def notice(case: Case) -> bytes:
    doc = new_document(_("Supervision notice"), subtitle=case.number)
    add_table(
        doc,
        [_("Item"), _("Content")],
        [
            (_("Unit"), case.unit.name),
            (_("Responsible people"), _people(case)),
            (_("Matter"), case.title),
            (_("What the unit must do"), case.requirement),
            (_("Evidence"), case.evidence or "—"),
            (_("Answer by"), _when(case.due_at)),
            (_("Sent at"), _when(case.created_at)),
        ],
    )
    doc.add_paragraph(_("Please submit a statement of the situation or a rectification report on the platform before the deadline."))
    add_signature(doc, _("Discipline inspection"), timezone.localtime(case.created_at))
    return to_bytes(doc)


def closing_record(case: Case) -> bytes:
    doc = new_document(_("Supervision closing record"), subtitle=case.number)
    add_table(
        doc,
        [_("Item"), _("Content")],
        [
            (_("Unit"), case.unit.name),
            (_("Matter"), case.title),
            (_("Sent at"), _when(case.created_at)),
            (_("Answer by"), _when(case.due_at)),
            (_("First answered at"), _when(case.first_answered_at)),
            (_("Status"), case.get_status_display()),
            (_("Closed at"), _when(case.closed_at)),
            (_("Closing opinion"), case.closing_note or "—"),
        ],
    )
    answers = case.answers.select_related("submitted_by").order_by("submitted_at", "pk")
    add_table(
        doc,
        [_("Submitted at"), _("Kind"), _("Answer"), _("Decision"), _("Opinion")],
        [(_when(a.submitted_at), a.get_kind_display(), a.text, a.get_decision_display(), a.decision_note or "—") for a in answers],
    )
    day = timezone.localtime(case.closed_at).date() if case.closed_at else timezone.localdate()
    doc.add_paragraph(_("Recorded on %(day)s") % {"day": cn_date(day)})
    add_signature(doc, _("Discipline inspection"), day)
    return to_bytes(doc)
