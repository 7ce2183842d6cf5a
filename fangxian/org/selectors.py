"""Reads on the organisation, already scoped. Other apps use these, not the models'
managers, so that scope is applied the same way everywhere."""

from __future__ import annotations

from django.db.models import F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from .models import Assignment, Place, Staff, Student, Unit
from .scope import scope_of


def visible_units(user):
    return Unit.objects.visible_to(user)


def visible_places(user):
    return Place.objects.visible_to(user)


def visible_students(user):
    return Student.objects.visible_to(user)


def visible_staff(user):
    return Staff.objects.visible_to(user)


def visible_assignments(user):
    return Assignment.objects.visible_to(user)


def visible_campuses(user, *, archived: bool = False):
    """The campuses whose campus-wide data (gate traffic, scans, visits, alerts, the
    dashboard's campus figures) `user` may see — the one rule for gates and dashboard:

    - every campus for whole-institution scopes (office, leaders, discipline inspection);
    - a campus that is itself in the user's scope (a leader or responsible posted to it);
    - the campus of a gate the user is posted at (a guard at one gate sees the campus's
      gate traffic; a guard posted to a campus holds all its gates).

    Nothing else: a building manager or a lab's safety owner sees their building or lab,
    not the campus; a college admin reads their college's rows on every campus, not the
    campuses' traffic. Archived campuses are left out unless `archived`."""
    scope = scope_of(user)
    campuses = Place.objects.filter(kind=Place.Kind.CAMPUS)
    if not archived:
        campuses = campuses.active()
    if scope.everything:
        return campuses
    gates = scope.places(Place.objects.filter(kind=Place.Kind.GATE)).values("parent_id")
    return campuses.filter(Q(pk__in=scope.places(Place.objects.filter(kind=Place.Kind.CAMPUS)).values("pk")) | Q(pk__in=gates))


def get_visible(queryset, **lookup):
    """The object if it is in the user's scope; 404 otherwise (never 403 with a hint)."""
    return get_object_or_404(queryset, **lookup)


# -- trees ------------------------------------------------------------------------------


def tree_model(tree: str):
    return {"unit": Unit, "place": Place}[tree]


def visible_nodes(user, model):
    return visible_units(user) if model is Unit else visible_places(user)


def _count(qs):
    """A scalar COUNT(*) subquery (Func, not an aggregate, so no GROUP BY is added)."""
    return Coalesce(Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]), 0)


def with_counts(qs, model):
    """Annotate each node with what lives under it, one correlated subquery per figure
    (so a page of nodes costs one query, not one per node)."""
    if model is Unit:
        students = Student.objects.filter(klass__path__startswith=OuterRef("path"), status=Student.Status.ENROLLED)
        return qs.annotate(student_count=_count(students))
    beds = Place.objects.filter(path__startswith=OuterRef("path"), kind=Place.Kind.BED, archived_at__isnull=True)
    occupied = Student.objects.filter(bed__path__startswith=OuterRef("path"))
    return qs.annotate(bed_count=_count(beds), occupied_count=_count(occupied))


def tree_roots(user, model, *, archived: bool = False):
    """The top of what the user sees: the tree's roots, or the roots of their scope."""
    scope = scope_of(user)
    qs = model.objects.all() if archived else model.objects.active()
    if scope.everything:
        qs = qs.filter(parent__isnull=True)
    else:
        paths = scope.unit_paths if model is Unit else scope.place_paths
        if not paths:
            return qs.none()
        qs = qs.filter(path__in=paths)
    return with_counts(qs.order_by("sort_order", "name"), model)


def node_children(user, node, *, archived: bool = False):
    qs = visible_nodes(user, type(node)).filter(parent=node)
    if not archived:
        qs = qs.filter(archived_at__isnull=True)
    return with_counts(qs.order_by("sort_order", "name"), type(node))


def node_trails(nodes) -> dict[int, list]:
    """Ancestors of each node (outermost first) with one query for all of them."""
    nodes = list(nodes)
    if not nodes:
        return {}
    model = type(nodes[0])
    wanted = {ancestor for node in nodes for ancestor in node.ancestor_ids()}
    ancestors = model.objects.in_bulk(wanted) if wanted else {}
    return {node.pk: [ancestors[i] for i in node.ancestor_ids() if i in ancestors] for node in nodes}


def search_nodes(user, model, q: str, *, limit: int = 50):
    qs = visible_nodes(user, model).active().filter(Q(name__icontains=q) | Q(code__iexact=q)).order_by("path")[:limit]
    nodes = list(qs)
    trails = node_trails(nodes)
    for node in nodes:
        node.trail = trails.get(node.pk, [])
    return nodes


def node_history(node):
    """The node's change log (django-auditlog), newest first."""
    from auditlog.models import LogEntry

    return LogEntry.objects.get_for_object(node).select_related("actor").order_by("-timestamp", "-id")


# -- people -----------------------------------------------------------------------------


def student_list(user, *, q: str = "", college=None, klass=None, campus=None, building=None, status: str = ""):
    qs = visible_students(user).select_related("klass", "bed__parent__parent")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(student_number__icontains=q))
    if college is not None:
        qs = qs.filter(klass__path__startswith=college.path)
    if klass is not None:
        qs = qs.filter(klass=klass)
    if campus is not None:
        qs = qs.filter(bed__path__startswith=campus.path)
    if building is not None:
        qs = qs.filter(bed__path__startswith=building.path)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("student_number")


def staff_list(user, *, q: str = "", unit=None, active: str = ""):
    qs = visible_staff(user).select_related("unit", "user")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(staff_number__icontains=q) | Q(title__icontains=q))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if active in {"0", "1"}:
        qs = qs.filter(is_active=active == "1")
    return qs.order_by("staff_number")


def free_beds(user, *, include=None):
    """Beds in the user's scope nobody sleeps in (plus `include`, the current bed)."""
    qs = visible_places(user).active().filter(kind=Place.Kind.BED)
    condition = Q(occupant__isnull=True)
    if include is not None:
        condition |= Q(pk=include.pk)
    return qs.filter(condition)


# -- assignments ------------------------------------------------------------------------


def assignment_list(user, *, q: str = "", role: str = "", on=None):
    qs = visible_assignments(user).select_related("staff", "unit", "place", "student")
    if q:
        qs = qs.filter(
            Q(staff__name__icontains=q) | Q(unit__name__icontains=q) | Q(place__name__icontains=q) | Q(student__name__icontains=q)
        )
    if role:
        qs = qs.filter(role=role)
    if on is not None:
        qs = qs.active_on(on)
    return qs.order_by("-start_date", "-id")


def assignments_for(target, *, on=None):
    """History of the responsibilities held for one unit, place or student; with `on`,
    only those in force that day ("who was responsible on day D")."""
    field = {Unit: "unit", Place: "place", Student: "student"}[type(target)]
    qs = Assignment.objects.filter(**{field: target}).select_related("staff")
    if on is not None:
        qs = qs.active_on(on)
    return qs.order_by("role", "-start_date", "-id")
