"""三权分立: the rules that keep the system, security and audit administrators apart.

- An admin account holds exactly one admin role and no business role, and is not linked to
  a person with business scope (roles_of and scope_of ignore such roles as a second line).
- No account grants roles to itself, nor resets its own password or second factor through
  the admin pages (the user's own pages do that, with the current password or factor).
- Resetting the password or second factor of, or disabling, an account that one admin must
  not take over alone (another admin, an account that sees the whole institution) takes a
  second admin's approval (AdminApproval).

Each refusal raises a ValidationError with a Chinese message and is recorded as a security
event; the event is written outside the refused action's transaction, so it stays.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from .roles import ADMIN_ROLES, WHOLE_INSTITUTION_ROLES, Role, raw_roles_of, roles_of

# Accounts whose password, second factor or activity one admin must not change alone:
# taking one over would give its holder the admins' powers or the whole school's data.
SECOND_APPROVAL_ROLES = frozenset({*ADMIN_ROLES, *WHOLE_INSTITUTION_ROLES})


def granted_roles(user) -> set[str]:
    return set(user.role_grants.values_list("role", flat=True))


def is_admin_account(user) -> bool:
    return bool(granted_roles(user) & set(ADMIN_ROLES))


def needs_second_approval(target) -> bool:
    return bool(granted_roles(target) & SECOND_APPROVAL_ROLES)


def may_approve(user) -> bool:
    """Any of the three admins may approve another admin's request."""
    return bool(user.is_active and roles_of(user) & set(ADMIN_ROLES))


def grant_refusal(*, user, role: str, by) -> str | None:
    """Why granting `role` to `user` by `by` breaks the separation, or None."""
    if by is not None and by.pk == user.pk:
        return _("No account may grant roles to itself.")
    held = raw_roles_of(user)
    if role in ADMIN_ROLES:
        business = held - set(ADMIN_ROLES)
        if business:
            labels = "、".join(sorted(str(Role(r).label) for r in business if r in Role.values))
            return _(
                "Separation of administrators: an administrator account cannot hold business roles or "
                "belong to a person with business duties; this account has: %(roles)s. Use a separate account."
            ) % {"roles": labels}
    elif held & set(ADMIN_ROLES):
        return _(
            "Separation of administrators: an administrator account cannot hold business roles. Grant %(role)s to the person's own account."
        ) % {"role": Role(role).label}
    return None


def refuse(message: str, *, action: str, by, target=None, request=None, **detail) -> None:
    """Record the refused attempt and raise the message for the page to show."""
    record_event(
        SecurityEvent.Kind.ADMIN_REFUSED,
        request=request,
        user=by,
        action=action,
        target=getattr(target, "username", "") or "",
        reason=str(message),
        **detail,
    )
    raise ValidationError(message, code="separation")
