"""The assignment-role registry: which responsibilities (职责) exist, where they may be held,
which application role they give and what their holders see.

Every app that owns a kind of responsibility registers it from its own `AppConfig.ready()`:

    from fangxian.org.registry import AssignmentRoleSpec, places_within, register_assignment_role

    register_assignment_role(
        AssignmentRoleSpec(
            key="hazard_inspector",
            label=_("Hazard inspector"),
            app_role=Role.STAFF,
            place_kinds=("campus", "building"),
            scope=places_within(kinds=("room",), uses=("lab",)),  # a campus → its labs only
        )
    )

`org` registers the organisation's own roles (fangxian/org/roles.py), `gates` the gate
guard's post. The assignment form, filters, imports, labels, the role provider of
`accounts` and scope all read this registry; nothing else lists the roles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Held:
    """One active assignment as scope sees it: its target, with the target's kind and path."""

    role: str
    unit_id: int | None = None
    unit_path: str | None = None
    unit_kind: str | None = None
    place_id: int | None = None
    place_path: str | None = None
    place_kind: str | None = None
    place_use: str | None = None
    student_id: int | None = None


@dataclass
class ScopeGrant:
    """What a set of held assignments lets their holder see: subtrees (by path) and students."""

    unit_paths: set[str] = field(default_factory=set)
    place_paths: set[str] = field(default_factory=set)
    student_ids: set[int] = field(default_factory=set)

    def add(self, held: Held) -> None:
        """The default: the subtree of the node held (or the one student)."""
        if held.unit_path:
            self.unit_paths.add(held.unit_path)
        if held.place_path:
            self.place_paths.add(held.place_path)
        if held.student_id:
            self.student_ids.add(held.student_id)

    def update(self, other: ScopeGrant) -> None:
        self.unit_paths |= other.unit_paths
        self.place_paths |= other.place_paths
        self.student_ids |= other.student_ids


ScopeFunction = Callable[[list[Held]], ScopeGrant]


def subtree_scope(held: list[Held]) -> ScopeGrant:
    """The default scope: the subtree of every node held, and every student held."""
    grant = ScopeGrant()
    for row in held:
        grant.add(row)
    return grant


def places_within(kinds: Iterable[str], *, uses: Iterable[str] = (), held_on: Iterable[str] = ("campus",)) -> ScopeFunction:
    """A scope function: held on a place whose kind is in `held_on`, the holder sees only the
    places of `kinds` (and of `uses`, if given) inside it, not the whole subtree; held on
    anything else, the default subtree. One query for all the held places together."""
    kinds, uses, held_on = tuple(kinds), tuple(uses), frozenset(held_on)

    def scope(held: list[Held]) -> ScopeGrant:
        from .models import Place

        grant = ScopeGrant()
        narrowed: set[str] = set()
        for row in held:
            if row.place_path and row.place_kind in held_on:
                narrowed.add(row.place_path)
            else:
                grant.add(row)
        if narrowed:
            places = Place.objects.under_any(sorted(narrowed)).filter(kind__in=kinds)
            if uses:
                places = places.filter(use__in=uses)
            grant.place_paths.update(places.values_list("path", flat=True))
        return grant

    return scope


@dataclass(frozen=True)
class AssignmentRoleSpec:
    """A kind of responsibility.

    - `key`: stored in Assignment.role (at most 24 characters, never renamed once used);
    - `label`: a lazy translation, shown wherever the role is named;
    - `app_role`: the application role holding it gives (fangxian.accounts.roles.Role or a
      string of the registering app), for navigation and page guards;
    - where it may be held: `unit_kinds` (Unit.Kind values), `place_kinds` (Place.Kind values,
      restricted to `place_uses` if given, e.g. ("lab",)), and/or `student=True`;
    - `scope`: what the holder sees, from all their active assignments of this role
      (default: the subtree of each node held, or the student);
    - `order`: position in lists and forms; `import_name`: the role's name in import files;
    - `assigned_by`: application roles that may assign it within their own scope, besides the
      prevention office, which assigns every role (today only college admins write assignments).
    """

    key: str
    label: Any
    app_role: str
    unit_kinds: tuple[str, ...] = ()
    place_kinds: tuple[str, ...] = ()
    place_uses: tuple[str, ...] = ()
    student: bool = False
    scope: ScopeFunction | None = None
    order: int = 1000
    import_name: str = ""
    assigned_by: frozenset[str] = frozenset()

    def __post_init__(self):
        if not self.key or len(self.key) > 24:
            raise ValueError(f"assignment role key {self.key!r} must have 1 to 24 characters")
        if not (self.unit_kinds or self.place_kinds or self.student):
            raise ValueError(f"assignment role {self.key!r} can be held on nothing")

    @property
    def target_types(self) -> tuple[str, ...]:
        """Which of "unit", "place", "student" the role may be held for."""
        return tuple(name for name, ok in (("unit", self.unit_kinds), ("place", self.place_kinds), ("student", self.student)) if ok)

    def allows(self, target) -> bool:
        """May the role be held for this unit, place or student?"""
        from .models import Place, Student, Unit

        if isinstance(target, Unit):
            return target.kind in self.unit_kinds
        if isinstance(target, Place):
            return target.kind in self.place_kinds and (not self.place_uses or target.use in self.place_uses)
        if isinstance(target, Student):
            return self.student
        return False

    def grant(self, held: list[Held]) -> ScopeGrant:
        return (self.scope or subtree_scope)(held)


_roles: dict[str, AssignmentRoleSpec] = {}


def register_assignment_role(spec: AssignmentRoleSpec) -> AssignmentRoleSpec:
    """Register a responsibility (call in AppConfig.ready). A second registration of the same
    key replaces the first."""
    _roles[spec.key] = spec
    return spec


def unregister_assignment_role(key: str) -> None:
    """For tests that register a role of their own."""
    _roles.pop(key, None)


def assignment_role(key: str) -> AssignmentRoleSpec | None:
    return _roles.get(key)


def assignment_roles() -> list[AssignmentRoleSpec]:
    """Every registered role, in display order."""
    return sorted(_roles.values(), key=lambda spec: (spec.order, spec.key))


def assignment_role_keys() -> list[str]:
    return [spec.key for spec in assignment_roles()]


def assignment_role_choices(keys: Iterable[str] | None = None) -> list[tuple[str, Any]]:
    """(key, label) pairs for a choice field, in display order; only `keys` if given."""
    wanted = None if keys is None else set(keys)
    return [(spec.key, spec.label) for spec in assignment_roles() if wanted is None or spec.key in wanted]


def role_label(key: str) -> str:
    """The role's label (its key if no app registers it any more: old rows stay readable)."""
    spec = _roles.get(key)
    return str(spec.label) if spec is not None else key


def app_roles_for(keys: Iterable[str]) -> set[str]:
    """The application roles the given assignment roles give (unknown keys give none)."""
    return {_roles[key].app_role for key in keys if key in _roles}
