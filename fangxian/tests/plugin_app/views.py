"""The plugin's pages: the labs a user may see, through the organisation's scope."""

from django.shortcuts import get_object_or_404, render

from fangxian.accounts.access import require_roles
from fangxian.accounts.roles import Role
from fangxian.org import selectors
from fangxian.org.models import Place

READERS = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.STAFF)


def _labs(user):
    return selectors.visible_places(user).filter(kind=Place.Kind.ROOM, use=Place.Use.LAB).order_by("path")


@require_roles(*READERS)
def lab_list(request):
    return render(request, "plugin_app/labs.html", {"labs": _labs(request.user)})


@require_roles(*READERS)
def lab_detail(request, pk: int):
    return render(request, "plugin_app/labs.html", {"labs": [get_object_or_404(_labs(request.user), pk=pk)], "detail": True})
