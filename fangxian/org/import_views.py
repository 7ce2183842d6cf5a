"""Import pages of the organisation: an index of the imports and one page per import
(form, check only, report, template and error-file downloads). The prevention office runs
every import; college admins import the photos of the people in their college."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.core.import_batches import undo_batch, undo_blockers
from fangxian.core.import_views import import_page
from fangxian.core.models import ImportBatch

from .access import can_write
from .imports import IMPORTERS


@require_roles(Role.PREVENTION_OFFICE)
def import_index(request):
    importers = [importer() for importer in IMPORTERS.values()]
    return render(request, "org/import/index.html", {"importers": importers})


@require_roles(Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN)
def import_run(request, name: str):
    importer_class = IMPORTERS.get(name)
    if importer_class is None:
        raise Http404
    if not can_write(request.user, getattr(importer_class, "roles", {Role.PREVENTION_OFFICE})):
        raise PermissionDenied
    template = getattr(importer_class, "page_template", "org/import/import.html")
    return import_page(request, importer_class(user=request.user), template=template)


LIST_CHECK_LIMIT = 2000  # rows a batch wrote, above which the list does not check its undo


@require_roles(Role.PREVENTION_OFFICE)
def import_batches(request):
    """Every import that changed something: file, who, when, what it did, and whether it
    can still be undone (and if not, why)."""
    batches = list(ImportBatch.objects.select_related("user", "undone_by")[:100])
    for batch in batches:
        # Looking for what depends on a large batch reads every row it wrote: for those the
        # check runs when the undo is asked for (and says what blocks it).
        size = len(batch.created_objects or []) + len(batch.changed_fields or [])
        batch.checked_on_undo = size > LIST_CHECK_LIMIT
        batch.blockers = undo_blockers(batch) if batch.state == ImportBatch.State.APPLIED and not batch.checked_on_undo else []
    return render(request, "org/import/batches.html", {"batches": batches})


@require_roles(Role.PREVENTION_OFFICE)
@require_POST
def import_batch_undo(request, pk: int):
    batch = get_object_or_404(ImportBatch, pk=pk)
    blockers = undo_batch(batch, by=request.user)
    if blockers:
        messages.error(request, _("The import #%(id)s was not undone: %(reasons)s") % {"id": batch.pk, "reasons": "；".join(blockers)})
    else:
        messages.success(request, _("The import #%(id)s was undone.") % {"id": batch.pk})
    return redirect("org:import_batches")


# The columns an export in the import's format masks (ID numbers, phones) for every role;
# an approved unmasked-export grant (fangxian.core.exports) gives them in full, once.
EXPORT_MASKS = {"id_number": "id_number", "phone": "phone"}


def register_exports() -> None:
    from fangxian.core.exports import ExportKind, register_export

    def count(name):
        def rows(user, params: dict, args: tuple) -> int:
            return _people(name, user).count()

        return rows

    office = frozenset({Role.PREVENTION_OFFICE})
    for name, importer_class in IMPORTERS.items():
        if importer_class.exportable:
            register_export(ExportKind(f"import:{name}", importer_class.title, "org:import_export", count=count(name), roles=office))


def _people(name: str, user):
    from . import selectors

    return selectors.visible_students(user) if name == "students" else selectors.visible_staff(user)


@require_roles(Role.PREVENTION_OFFICE)
def import_export(request, name: str):
    """The student or staff list as an xlsx file in the shape its import reads."""
    from fangxian.audit.models import SecurityEvent
    from fangxian.audit.services import record_event
    from fangxian.core.exports import export_mode
    from fangxian.core.import_views import xlsx_response
    from fangxian.core.personal import mask_value
    from fangxian.core.xlsx import Sheet, write_workbook

    importer_class = IMPORTERS.get(name)
    if importer_class is None or not importer_class.exportable:
        raise Http404
    mode = export_mode(request, f"import:{name}", args=(name,))
    importer = importer_class(user=request.user)
    rows = importer.export_rows()
    if mode.masked:
        masks = {i: EXPORT_MASKS[c.key] for i, c in enumerate(importer.columns) if c.key in EXPORT_MASKS}
        rows = [[mask_value(v, masks[i]) if i in masks else v for i, v in enumerate(row)] for row in rows]
    content = write_workbook([Sheet(str(importer.title), [column.header for column in importer.columns], rows)], watermark=mode.watermark)
    pks = list(_people(name, request.user).order_by("pk").values_list("pk", flat=True))
    people = {"students": pks} if name == "students" else {"staff_ids": pks}
    record_event(
        SecurityEvent.Kind.EXPORT, request=request, user=request.user, export=f"import:{name}", rows=len(rows), **people, **mode.detail()
    )
    return xlsx_response(content, f"{importer.title}.xlsx")
