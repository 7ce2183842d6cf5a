"""The two duty responsibilities (带班领导, 值班人员), registered with the organisation's
role registry. A duty post is an assignment bound to the shift's time window (starts_at /
ends_at), held on the unit whose roster it belongs to: the institution for the school's
roster, a college, a department, the hospital or the security office for theirs. So "the
leader on duty now" anywhere is `fangxian.org.chain.holders_above(target, ["duty_leader"])`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.accounts.roles import Role
from fangxian.org.registry import AssignmentRoleSpec, Held, ScopeGrant

DUTY_LEADER_KEY = "duty_leader"
DUTY_STAFF_KEY = "duty_staff"
DUTY_ROLE_KEYS = (DUTY_LEADER_KEY, DUTY_STAFF_KEY)
# Where a roster (and so a duty post) may be kept.
DUTY_UNIT_KINDS = ("institution", "college", "department", "hospital")


def no_wider_scope(held: list[Held]) -> ScopeGrant:
    """Being on duty shows the roster and one's own shift (the duty app's own scope), not
    the unit's students and staff: a night at the school's duty desk is no reason to read
    every student's record."""
    return ScopeGrant()


DUTY_LEADER = AssignmentRoleSpec(
    DUTY_LEADER_KEY,
    _("Leader on duty"),
    Role.STAFF,
    unit_kinds=DUTY_UNIT_KINDS,
    scope=no_wider_scope,
    order=120,
    import_name="带班领导",
    assigned_by=frozenset({Role.COLLEGE_ADMIN}),
)
DUTY_STAFF = AssignmentRoleSpec(
    DUTY_STAFF_KEY,
    _("Staff on duty"),
    Role.STAFF,
    unit_kinds=DUTY_UNIT_KINDS,
    scope=no_wider_scope,
    order=121,
    import_name="值班人员",
    assigned_by=frozenset({Role.COLLEGE_ADMIN}),
)
