"""Roles: the system roles granted to accounts, and the roles that assignments give.

A user's roles are the union of their RoleGrant rows (system roles) and whatever the
registered role providers derive from their active assignments (see org). Everything that
asks "may this user …" starts from `roles_of(user)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # System roles, granted by the security admin.
    PREVENTION_OFFICE = "prevention_office", _("Prevention office")
    LEADER = "leader", _("School leader")
    DISCIPLINE = "discipline", _("Discipline inspection")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    # Roles that come from assignments in the organisation.
    COLLEGE_ADMIN = "college_admin", _("College administrator")
    COUNSELOR = "counselor", _("Counselor or class teacher")
    GATE_GUARD = "gate_guard", _("Gate guard")
    SECURITY_OFFICE = "security_office", _("Security office")
    STAFF = "staff", _("Staff")
    STUDENT = "student", _("Student")


GRANTABLE_ROLES = (
    Role.PREVENTION_OFFICE,
    Role.LEADER,
    Role.DISCIPLINE,
    Role.SYSTEM_ADMIN,
    Role.SECURITY_ADMIN,
    Role.AUDIT_ADMIN,
)
# 三权分立: no account may hold two of these (a partial unique index enforces it), and an
# account holding one holds no business role (see roles_of and accounts.separation).
ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
# Roles whose holders must sign in with a second factor everywhere...
PRIVILEGED_ROLES = frozenset({Role.PREVENTION_OFFICE, *ADMIN_ROLES})
# ...and those that need it in production as well (settings.SECOND_FACTOR_EXTRA_ROLES): the
# roles that see the whole school and the college admins.
SECOND_FACTOR_EXTRA_ROLES = frozenset({Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN})
# Roles that see the whole institution (discipline inspection only reads).
WHOLE_INSTITUTION_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE})

RoleProvider = Callable[[object], Iterable[str]]
_providers: list[RoleProvider] = []


def register_role_provider(provider: RoleProvider) -> None:
    """Let a feature app add roles derived from its own data (called in AppConfig.ready)."""
    if provider not in _providers:
        _providers.append(provider)


def roles_of(user) -> frozenset[str]:
    """All roles of a user, computed once per user object (i.e. once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_fangxian_roles", None)
    if cached is not None:
        return cached
    roles = raw_roles_of(user)
    if roles & set(ADMIN_ROLES):
        # 三权分立: an admin account acts only as an admin. Should a business role reach it
        # anyway (a person linked to it later, a row written around the services), it is
        # ignored rather than combined with the admin's powers.
        roles = roles & set(ADMIN_ROLES)
    user._fangxian_roles = frozenset(roles)
    return user._fangxian_roles


def raw_roles_of(user) -> set[str]:
    """Every role the grants and the role providers give, before the admin separation."""
    roles = set(user.role_grants.values_list("role", flat=True))
    for provider in _providers:
        roles.update(provider(user))
    return roles


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def second_factor_roles() -> frozenset[str]:
    from django.conf import settings

    return PRIVILEGED_ROLES | frozenset(settings.SECOND_FACTOR_EXTRA_ROLES)


def is_privileged(user) -> bool:
    """Does the user hold a role that must sign in with a second factor?"""
    return bool(roles_of(user) & second_factor_roles())


def forget_roles(user) -> None:
    if hasattr(user, "_fangxian_roles"):
        del user._fangxian_roles
