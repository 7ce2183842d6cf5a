"""The formal incident report (突发事件信息报告) as a docx: the usual table of 时间、地点、事件类型、
等级、涉及人员、事件经过、已采取措施、下一步工作、报告单位、报告人、联系电话, then the timeline of the
written, follow-up (续报) and closing (终报) reports, in the house style of fangxian.core.docx."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangxian.core.docx import add_signature, add_table, new_document, to_bytes

from . import selectors
from .models import Incident


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def incident_docx(incident: Incident, user, *, unmasked: bool = False) -> bytes:
    """The document as the user may see it (people masked where their role needs no names)."""
    stage = _("Closing report") if incident.is_closed else (_("Follow-up report") if incident.updates.exists() else _("First report"))
    institution = incident.unit.name if incident.unit_id else ""
    doc = new_document(
        _("Incident information report"),
        subtitle=f"{stage} · {incident.title}",
        lines=[_("Reported at %(time)s") % {"time": _time(incident.reported_at)}],
    )
    people = selectors.people_of(incident, user)
    people_text = "；".join(" ".join(p for p in (person.name, person.number, person.unit) if p) for person in people) or _("None")
    rows = [
        (_("Time"), _time(incident.occurred_at)),
        (_("Location"), incident.where),
        (_("Incident type"), incident.get_kind_display()),
        (pgettext("incident", "Level"), incident.get_level_display()),
        (_("People involved"), people_text),
        (pgettext("incident", "What happened"), incident.description),
        (_("Measures taken"), incident.measures or "—"),
        (_("Next steps"), incident.next_steps or "—"),
        (_("Reporting unit"), institution or "—"),
        (_("Reporter"), incident.reporter_name or "—"),
        (_("Contact phone"), _phone(incident, user, unmasked) or "—"),
    ]
    add_table(doc, [_("Item"), _("Content")], rows)
    updates = list(incident.updates.order_by("created_at", "pk"))
    if updates:
        doc.add_heading(_("Timeline of reports"), level=1)
        add_table(
            doc,
            [_("Time"), _("Report type"), _("Progress"), _("Measures taken"), _("Reporter")],
            [(_time(u.created_at), u.get_kind_display(), u.text, u.measures or "—", u.author_name or "—") for u in updates],
        )
    status = [
        (_("Acknowledged by the office"), _time(incident.acknowledged_at)),
        (_("Written report"), _time(incident.written_at)),
        (pgettext("incident", "Closed"), _time(incident.closed_at)),
    ]
    doc.add_heading(_("Handling"), level=1)
    add_table(doc, [_("Item"), _("Time")], status)
    add_signature(doc, institution or _("Reporting unit"), timezone.localtime(incident.last_report_at or incident.reported_at))
    return to_bytes(doc)


def filename(incident: Incident) -> str:
    return f"突发事件信息报告-{timezone.localtime(incident.occurred_at):%Y%m%d}-{incident.pk}.docx"


def _phone(incident: Incident, user, unmasked: bool) -> str:
    """The reporter's phone: masked in the file for every role; in full only with an
    approved unmasked-export grant, to those who may see it on the page."""
    from fangxian.core.idnumber import mask_phone

    phone = selectors.reporter_phone(incident, user)
    if not phone or unmasked:
        return phone
    return mask_phone(incident.reporter_phone)
