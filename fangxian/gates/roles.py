"""The gate guard's post (门岗), registered by gates with the organisation's role registry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role
from fangxian.org.models import AssignmentRole, Place
from fangxian.org.registry import AssignmentRoleSpec, Held, ScopeGrant, register_assignment_role


def guard_scope(held: list[Held]) -> ScopeGrant:
    """A guard posted to a gate sees that gate; one posted to a whole campus sees the
    campus's gates, not the campus subtree: that would include the dormitories and so every
    resident's record."""
    grant = ScopeGrant()
    campuses: set[str] = set()
    for row in held:
        if row.place_kind == Place.Kind.CAMPUS:
            campuses.add(row.place_path)
        else:
            grant.add(row)
    if campuses:
        gates = Place.objects.under_any(sorted(campuses)).filter(kind=Place.Kind.GATE).values_list("path", flat=True)
        grant.place_paths.update(gates)
    return grant


GATE_GUARD = AssignmentRoleSpec(
    AssignmentRole.GATE_GUARD,
    _("Gate guard post"),
    Role.GATE_GUARD,
    place_kinds=(Place.Kind.GATE, Place.Kind.CAMPUS),
    scope=guard_scope,
    order=100,
    import_name="门卫",
)


# 安稳部 (the security office) posted to a campus: the notice gives it the campus's gate
# policy. Like a guard posted to the campus, it sees the campus's gates (and so the campus's
# gate pages), not the dormitories and their residents.
SECURITY_OFFICE = AssignmentRoleSpec(
    AssignmentRole.SECURITY_OFFICE,
    _("Security office (安稳部)"),
    Role.SECURITY_OFFICE,
    place_kinds=(Place.Kind.CAMPUS,),
    scope=guard_scope,
    order=105,
    import_name="安稳部",
)


def register_roles() -> None:
    register_assignment_role(GATE_GUARD)
    register_assignment_role(SECURITY_OFFICE)
