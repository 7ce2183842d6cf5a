"""What the ledger pages share: the role sets and the read-only check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from fangxian.accounts.roles import Role
from fangxian.org.scope import scope_of

STAFF_ROLES = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR)
WRITE_ROLES = (Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR)
OFFICE_READ = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE)


def _writable(request) -> None:
    if scope_of(request.user).read_only:
        raise PermissionDenied
