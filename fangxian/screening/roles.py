"""The sampler's post (采样人员), held on a sampling site (a building) or a whole campus."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role
from fangxian.org.models import Place
from fangxian.org.registry import AssignmentRoleSpec, Held, ScopeGrant

from .models import SAMPLER


def sampler_scope(held: list[Held]) -> ScopeGrant:
    """A sampler sees no one's records through the organisation: the sampling page finds
    the person a pass or number names in the round, nothing more."""
    return ScopeGrant()


SAMPLER_ROLE = AssignmentRoleSpec(
    SAMPLER,
    _("Sampler"),
    Role.STAFF,
    place_kinds=(Place.Kind.CAMPUS, Place.Kind.BUILDING, Place.Kind.ROOM),
    scope=sampler_scope,
    order=300,
    import_name="采样人员",
)
