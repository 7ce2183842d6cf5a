"""Autocomplete for forms (htmx partials). Every list comes from the user's scope, so a
search can never reveal a name the user could not open."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangxian.accounts.access import require_roles
from fangxian.core.params import id_param

from .. import selectors
from ..access import PEOPLE_READERS, TREE_READERS
from ..models import Place, Unit

LIMIT = 20


def _q(request) -> str:
    return request.GET.get("q", "").strip()[:50]


def _kinds(request, model) -> list[str]:
    wanted = [kind for kind in request.GET.get("kinds", "").split(",") if kind]
    return [kind for kind in wanted if kind in model.Kind.values]


def _render(request, choices):
    return render(request, "org/_choices.html", {"choices": choices, "target": request.GET.get("target", "")})


@require_GET
@require_roles(*PEOPLE_READERS)
def staff(request):
    q = _q(request)
    choices = []
    if q:
        qs = selectors.visible_staff(request.user).filter(is_active=True).select_related("unit")
        qs = qs.filter(Q(name__icontains=q) | Q(staff_number__icontains=q)).order_by("name")[:LIMIT]
        choices = [(s.pk, f"{s.name} · {s.staff_number} · {s.unit.name}") for s in qs]
    return _render(request, choices)


@require_GET
@require_roles(*PEOPLE_READERS)
def students(request):
    q = _q(request)
    choices = []
    if q:
        qs = selectors.visible_students(request.user).select_related("klass")
        qs = qs.filter(Q(name__icontains=q) | Q(student_number__icontains=q)).order_by("student_number")[:LIMIT]
        choices = [(s.pk, f"{s.name} · {s.student_number} · {s.klass.name}") for s in qs]
    return _render(request, choices)


def _nodes(request, model):
    q = _q(request)
    if not q:
        return []
    qs = selectors.visible_nodes(request.user, model).active().filter(Q(name__icontains=q) | Q(code__iexact=q))
    kinds = _kinds(request, model)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if model is Place and request.GET.get("free") == "1":
        qs = qs.filter(kind=Place.Kind.BED, occupant__isnull=True)
    exclude = id_param(request.GET.get("exclude"))
    if exclude:
        node = model.objects.filter(pk=exclude).only("path").first()
        if node is not None:
            qs = qs.exclude(path__startswith=node.path)
    nodes = list(qs.order_by("path")[:LIMIT])
    trails = selectors.node_trails(nodes)
    return [(n.pk, " / ".join([*(a.name for a in trails.get(n.pk, [])), n.name]) + f" ({n.get_kind_display()})") for n in nodes]


@require_GET
@require_roles(*TREE_READERS)
def units(request):
    return _render(request, _nodes(request, Unit))


@require_GET
@require_roles(*TREE_READERS)
def places(request):
    return _render(request, _nodes(request, Place))
