"""What the ledger pages share: the role sets, the read-only check, and turning a
service's ValidationError into messages or form errors."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from fangxian.accounts.roles import Role
from fangxian.org.scope import scope_of

STAFF_ROLES = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR)
WRITE_ROLES = (Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR)
OFFICE_READ = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE)


def _writable(request) -> None:
    if scope_of(request.user).read_only:
        raise PermissionDenied


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
