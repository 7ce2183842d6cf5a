"""The access log for the auditor (PIPL art. 55/56): who viewed, revealed or exported one
person's record, and when, found by the person's name or number; exportable."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.exports import export_kind
from fangxian.core.import_views import xlsx_response
from fangxian.core.params import id_param
from fangxian.core.xlsx import Sheet, watermark_for, write_workbook

from .. import access, selectors

KIND_LABELS = dict(SecurityEvent.Kind.choices)


def _person(request):
    """The person chosen (?person=student:12), or None; an unknown one is 404."""
    raw = request.GET.get("person", "")
    if not raw:
        return None, ""
    kind, _sep, pk = raw.partition(":")
    found = selectors.person(kind, id_param(pk))
    if found is None:
        raise Http404
    return found, kind


def _number(person) -> str:
    return getattr(person, "student_number", None) or getattr(person, "staff_number", "")


@require_GET
@require_roles(*access.ACCESS_LOG_READERS)
def access_log(request):
    q = request.GET.get("q", "").strip()[:50]
    person, kind = _person(request)
    page, files = None, []
    if person is not None:
        page = Paginator(selectors.access_records(request.user, kind, person.pk), 50).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        for record in page.object_list:
            record.kind_label = KIND_LABELS.get(record.kind, record.kind)
        files = list(selectors.exports_holding(request.user, kind, person.pk)[:100])
        for record in files:
            export = export_kind(record.export)
            record.label = export.label if export else record.export
    return render(
        request,
        "privacy/access_log.html",
        {
            "q": q,
            "people": selectors.find_people(q) if q and person is None else [],
            "person": person,
            "person_kind": kind,
            "number": _number(person) if person else "",
            "page": page,
            "files": files,
        },
    )


@require_GET
@require_roles(*access.ACCESS_LOG_READERS)
def access_log_export(request):
    person, kind = _person(request)
    if person is None:
        raise Http404
    records = list(selectors.access_records(request.user, kind, person.pk)[:50000])
    rows = [
        [
            timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M:%S"),
            r.username,
            str(KIND_LABELS.get(r.kind, r.kind)),
            r.what or r.field,
            r.reason,
            r.ip_address or "",
        ]
        for r in records
    ]
    headers = [_("Time"), _("User"), _("Action"), _("What"), _("Reason"), _("IP address")]
    notes = [
        _("Who accessed the personal data of %(name)s (%(number)s); exported by %(user)s at %(time)s.")
        % {
            "name": person.name,
            "number": _number(person),
            "user": request.user.get_full_name() or request.user.get_username(),
            "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        }
    ]
    content = write_workbook([Sheet(_("Access log"), headers, rows, notes=notes)], watermark=watermark_for(request.user))
    # The auditor's export names the person by number only (this event is not an access to their data).
    record_event(SecurityEvent.Kind.EXPORT, request=request, export="privacy.access_log", person=f"{kind}:{person.pk}", rows=len(rows))
    return xlsx_response(content, f"{_('Access log')}-{_number(person)}.xlsx")
