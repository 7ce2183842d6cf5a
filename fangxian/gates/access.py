"""Who may use which gate page, and who may change what. Campus visibility
(fangxian.org.selectors.visible_campuses) decides which campuses; writes also need a scope
that is not read-only (fangxian.org.access.can_write)."""

from fangxian.accounts.roles import Role
from fangxian.org.access import can_write

# The gate overview, a campus's figures and alerts.
OVERSEERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.GATE_GUARD})
# Gate policies (通行规则), revocations, vehicles: the prevention office writes them.
POLICY_MANAGERS = frozenset({Role.PREVENTION_OFFICE})
# The guard station and what the guard records there.
STATION_USERS = frozenset({Role.GATE_GUARD, Role.PREVENTION_OFFICE})


def can_manage_policies(user) -> bool:
    return can_write(user, POLICY_MANAGERS)
