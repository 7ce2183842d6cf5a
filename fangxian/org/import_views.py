"""Import pages of the organisation: an index of the imports and one page per import
(form, check only, report, template and error-file downloads). The prevention office runs
every import; college admins import the photos of the people in their college."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.core.import_views import import_page

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
