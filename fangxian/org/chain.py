"""The chain of responsibility above a unit, a place or a student: who holds which
assignment roles on it and on each node above it, today or at a given moment.

Escalation walks this chain: a student's one-to-one staff and counselor first, then the
college's prevention officer, then the college's responsible leader (包抓领导), then the
institution's. Role keys are plain strings, so a role a feature app registers is found the
same way as the built-in ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from .models import Assignment, Place, Staff, Student, Unit
from .registry import assignment_role

# Within one node, who comes first when several roles are held on it (nearest to the work
# first). Roles not listed come after these, in the registry's order.
ROLE_ORDER = (
    "one_to_one",
    "class_teacher",
    "counselor",
    "responsible",
    "lab_safety",
    "building_manager",
    "gate_guard",
    "college_admin",
    "college_dean",
    "college_secretary",
    "leader",
)


@dataclass(frozen=True)
class Link:
    """One holder in the chain: `distance` 0 is the target itself, 1 its parent, and so on."""

    distance: int
    role: str
    node: Unit | Place | Student
    staff: Staff


def _active(at: datetime | None):
    at = at or timezone.now()
    return Assignment.objects.active_at(at)  # day-granular and time-window assignments alike


def nodes_above(target) -> list[Unit | Place | Student]:
    """The target and the nodes above it, nearest first: a student, their class and its
    units up to the institution; a unit and its ancestors; a place, its ancestors and then
    its institution (whose leaders stand above every campus)."""
    if isinstance(target, Student):
        klass = target.klass
        return [target, *nodes_above(klass)]
    if isinstance(target, Unit):
        ancestors = {u.pk: u for u in Unit.objects.filter(pk__in=target.ancestor_ids())}
        return [target, *(ancestors[pk] for pk in reversed(target.ancestor_ids()) if pk in ancestors)]
    if isinstance(target, Place):
        ancestors = {p.pk: p for p in Place.objects.filter(pk__in=target.ancestor_ids())}
        places = [target, *(ancestors[pk] for pk in reversed(target.ancestor_ids()) if pk in ancestors)]
        return [*places, *nodes_above(target.institution)]
    raise TypeError(f"no chain of responsibility above {target!r}")


def _rank(role: str) -> tuple[int, int, str]:
    """Built-in roles in ROLE_ORDER; roles registered by feature apps after them, in the
    registry's display order."""
    if role in ROLE_ORDER:
        return (ROLE_ORDER.index(role), 0, role)
    spec = assignment_role(role)
    return (len(ROLE_ORDER), spec.order if spec else 0, role)


def chain(target, *, at: datetime | None = None, roles: Iterable[str] | None = None) -> list[Link]:
    """Every active holder on the target and above it, nearest first (one query)."""
    nodes = nodes_above(target)
    distance: dict[tuple[str, int], int] = {}
    for index, node in enumerate(nodes):
        distance.setdefault((type(node).__name__, node.pk), index)
    by_kind = {
        "Student": [n.pk for n in nodes if isinstance(n, Student)],
        "Unit": [n.pk for n in nodes if isinstance(n, Unit)],
        "Place": [n.pk for n in nodes if isinstance(n, Place)],
    }
    condition = Q(pk__in=[])
    if by_kind["Student"]:
        condition |= Q(student_id__in=by_kind["Student"])
    if by_kind["Unit"]:
        condition |= Q(unit_id__in=by_kind["Unit"])
    if by_kind["Place"]:
        condition |= Q(place_id__in=by_kind["Place"])
    rows = _active(at).filter(condition, staff__is_active=True).select_related("staff", "staff__user")
    if roles is not None:
        rows = rows.filter(role__in=[str(r) for r in roles])
    node_of = {(type(n).__name__, n.pk): n for n in nodes}
    links = []
    for row in rows:
        if row.student_id:
            key = ("Student", row.student_id)
        elif row.unit_id:
            key = ("Unit", row.unit_id)
        else:
            key = ("Place", row.place_id)
        links.append(Link(distance[key], str(row.role), node_of[key], row.staff))
    links.sort(key=lambda link: (link.distance, _rank(link.role), link.staff.name, link.staff.pk))
    return links


def holders_above(target, roles: Iterable[str], *, at: datetime | None = None) -> list[Staff]:
    """The holders of any of `roles` on the nearest node (the target or above it) that has
    one: e.g. `holders_above(student, ["leader"])` is the college's responsible leader, or
    the institution's when the college has none. Empty when nobody holds them."""
    links = chain(target, at=at, roles=roles)
    if not links:
        return []
    nearest = links[0].distance
    seen: dict[int, Staff] = {}
    for link in links:
        if link.distance == nearest:
            seen.setdefault(link.staff.pk, link.staff)
    return list(seen.values())


def holders_on(target, roles: Iterable[str], *, at: datetime | None = None) -> list[Staff]:
    """The holders of `roles` on the target itself (no walking up)."""
    return [link.staff for link in chain(target, at=at, roles=roles) if link.distance == 0]


def users_of(staff: Iterable[Staff]) -> list:
    """The active accounts of these staff members (those without an account are skipped)."""
    return [s.user for s in staff if s.user_id and s.user.is_active]
