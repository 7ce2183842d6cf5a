"""Who may do what with notices. The prevention office and the publicity department
(宣传部: holders of the `publicity_officer` responsibility) publish; counselors and college
admins follow up the receipts of their scope; leaders and discipline inspection read."""

from __future__ import annotations

from fangxian.accounts.roles import Role
from fangxian.org.access import can_write, holds

PUBLICITY_OFFICER = "publicity_officer"

# The notice list, a notice's page and its receipts (scoped: a counselor sees their classes).
READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.STAFF})
# Writing pages let these roles in; the body then asks `can_publish` (the publicity
# department holds an assignment that gives the staff role).
PUBLISHER_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.STAFF})
# Who may re-notify the people of their scope who have not read.
FOLLOWERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.STAFF})
# The reader's own pages: anyone with a person behind the account.
OWN = frozenset({Role.STUDENT, Role.STAFF})


def is_publisher(user) -> bool:
    """The office, or a holder of the publicity department's responsibility (reads everything
    of notices, also when the scope is read-only)."""
    if user is None or not user.is_authenticated:
        return False
    from fangxian.accounts.roles import roles_of

    return Role.PREVENTION_OFFICE in roles_of(user) or holds(user, PUBLICITY_OFFICER)


def can_publish(user) -> bool:
    """May write notices: the office, or the publicity department (never a read-only scope)."""
    if can_write(user, {Role.PREVENTION_OFFICE}):
        return True
    return can_write(user, {Role.STAFF}) and holds(user, PUBLICITY_OFFICER)


def can_follow_up(user) -> bool:
    """May re-notify the people of their scope (counselors, college admins, publishers)."""
    if can_publish(user):
        return True
    return can_write(user, {Role.COLLEGE_ADMIN, Role.COUNSELOR})
