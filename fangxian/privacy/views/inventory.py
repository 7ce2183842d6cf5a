"""个人信息处理活动记录: the inventory of personal fields, for the security and audit
administrators, on a page and as an xlsx file (every export recorded)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fangxian.accounts.access import require_roles
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.import_views import xlsx_response
from fangxian.core.personal import Category, Mask, Retention
from fangxian.core.xlsx import Sheet, watermark_for, write_workbook

from .. import access
from ..inventory import inventory_rows


def _purge_label(mode: str) -> str:
    return {
        "delete": _("Delete the row"),
        "deidentify": _("De-identify (figures stay)"),
        "none": _("Kept with its owner"),
    }[mode]


def _rows():
    categories, retentions, masks = dict(Category.choices), dict(Retention.choices), dict(Mask.choices)
    return [
        {
            "app": r.app_name,
            "model": r.model_name,
            "label": r.label,
            "field": r.field_name,
            "name": r.field.name,
            "category": str(categories[r.field.category]),
            "sensitive": r.field.is_sensitive,
            "purpose": str(r.field.purpose),
            "retention": str(retentions[r.field.retention]),
            "mask": str(masks[r.field.mask]) if r.field.mask else "",
            "purge": _purge_label(r.purge),
        }
        for r in inventory_rows()
    ]


@require_GET
@require_roles(*access.INVENTORY_READERS)
def inventory(request):
    rows = _rows()
    return render(
        request,
        "privacy/inventory.html",
        {"rows": rows, "models": len({r["label"] for r in rows}), "sensitive": sum(1 for r in rows if r["sensitive"])},
    )


@require_GET
@require_roles(*access.INVENTORY_READERS)
def inventory_export(request):
    rows = _rows()
    headers = [
        _("Module"),
        _("Table"),
        _("Field"),
        _("Category"),
        _("Sensitive"),
        _("Purpose of processing"),
        _("Retention"),
        _("Masked as"),
        _("After the retention"),
    ]
    data = [
        [
            r["app"],
            r["model"],
            r["field"],
            r["category"],
            _("Yes") if r["sensitive"] else _("No"),
            r["purpose"],
            r["retention"],
            r["mask"],
            r["purge"],
        ]
        for r in rows
    ]
    who = request.user.get_full_name() or request.user.get_username()
    notes = [
        _("Record of personal information processing activities, %(time)s, exported by %(user)s.")
        % {
            "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "user": who,
        }
    ]
    content = write_workbook(
        [Sheet(_("Personal information inventory"), headers, data, notes=notes)], watermark=watermark_for(request.user)
    )
    record_event(SecurityEvent.Kind.EXPORT, request=request, export="privacy.inventory", rows=len(data))
    return xlsx_response(content, _("Personal information inventory") + ".xlsx")
