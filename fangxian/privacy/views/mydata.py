"""我的个人信息: what the platform holds about the signed-in student or member of staff,
who at the school is responsible for it, and a download (xlsx or JSON) — PIPL art. 45."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.import_views import xlsx_response
from fangxian.core.xlsx import Sheet, watermark_for, write_workbook
from fangxian.org.models import Student

from .. import access, mydata

PAGE_ROWS = 20  # rows per table on the page; the download has them all


def _person(request):
    person = mydata.own_person(request.user)
    if person is None:
        raise Http404  # an account without a person record holds only its account row
    return person


@require_GET
@require_roles(*access.OWN_DATA_READERS)
def my_data(request):
    person = mydata.own_person(request.user)
    if person is None:  # an account without a person record: only the account itself
        return render(request, "privacy/my_data.html", {"person": None, "sections": [], "responsible": []})
    return render(
        request,
        "privacy/my_data.html",
        {"person": person, "sections": mydata.sections(person, limit=PAGE_ROWS), "responsible": mydata.responsible(person)},
    )


@require_GET
@require_roles(*access.OWN_DATA_READERS)
def my_data_download(request):
    person = _person(request)
    kind = "student" if isinstance(person, Student) else "staff"
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "json"):
        raise Http404
    found = mydata.sections(person)
    record_event(
        SecurityEvent.Kind.EXPORT, request=request, export="privacy.my_data", rows=sum(len(s.rows) for s in found), **{kind: person.pk}
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if fmt == "json":
        body = {
            "person": person.name,
            "exported_at": stamp,
            "responsible": [{"role": role, "name": name} for role, name in mydata.responsible(person)],
            "tables": [{"table": s.label, "title": s.title, "columns": s.columns, "rows": s.rows} for s in found],
        }
        response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = "attachment; filename=my-data.json"
        return response
    note = _("Personal information the platform holds about %(name)s, exported at %(time)s.") % {"name": person.name, "time": stamp}
    sheets = [Sheet(f"{i + 1}-{s.title}"[:31], s.columns, s.rows, notes=[note]) for i, s in enumerate(found)]
    content = write_workbook(sheets or [Sheet(_("My data"), [], [], notes=[note])], watermark=watermark_for(request.user))
    return xlsx_response(content, _("My data") + ".xlsx")
