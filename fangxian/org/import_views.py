"""Import pages of the organisation (prevention office only): an index of the five imports
and one page per import (form, check only, report, template and error-file downloads)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.core.import_views import import_page

from .imports import IMPORTERS


@require_roles(Role.PREVENTION_OFFICE)
def import_index(request):
    importers = [importer() for importer in IMPORTERS.values()]
    return render(request, "org/import/index.html", {"importers": importers})


@require_roles(Role.PREVENTION_OFFICE)
def import_run(request, name: str):
    importer_class = IMPORTERS.get(name)
    if importer_class is None:
        raise Http404
    return import_page(request, importer_class(user=request.user), template="org/import/import.html")
