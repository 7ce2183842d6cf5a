"""The overdue list: open deadlines past their due time on objects the user may see."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from fangxian.accounts.access import require_roles

from . import registry
from .access import OVERDUE_ROLES
from .selectors import clock, overdue_for
from .services import recheck


@require_roles(*OVERDUE_ROLES)
def overdue_list(request):
    now = timezone.now()
    kinds = {spec.key: spec for spec in registry.kinds()}
    kind = request.GET.get("kind", "")
    if kind not in kinds:
        kind = ""
    page = Paginator(overdue_for(request.user, now, kind=kind or None), 50).get_page(request.GET.get("page"))
    # The owning app has the last word on "done": rows whose object was finished since the
    # last tick are closed here and left out.
    clocks = [clock(row, now) for row in recheck(page.object_list, now)]
    return render(
        request,
        "deadlines/overdue.html",
        {
            "page": page,
            "clocks": clocks,
            "kinds": sorted(kinds.values(), key=lambda s: str(s.label)),
            "kind": kind,
            "query": urlencode({"kind": kind}) if kind else "",
        },
    )
