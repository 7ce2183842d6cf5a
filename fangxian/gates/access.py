"""Who may use which gate page, and who may change what. Campus visibility
(fangxian.org.selectors.visible_campuses) decides which campuses; writes also need a scope
that is not read-only (fangxian.org.access.can_write)."""

from fangxian.accounts.roles import Role
from fangxian.org.access import can_write

# The gate overview, a campus's figures and alerts.
OVERSEERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.GATE_GUARD, Role.SECURITY_OFFICE})
# Devices and revocations: the prevention office writes them.
POLICY_MANAGERS = frozenset({Role.PREVENTION_OFFICE})
# A campus's gate policy (通行规则): the prevention office, and the security office (安稳部)
# for the campuses it is posted to (the view finds the campus among its visible ones).
POLICY_PUBLISHERS = frozenset({Role.PREVENTION_OFFICE, Role.SECURITY_OFFICE})
# The guard station and what the guard records there.
STATION_USERS = frozenset({Role.GATE_GUARD, Role.PREVENTION_OFFICE})


def can_manage_policies(user) -> bool:
    return can_write(user, POLICY_MANAGERS)


def can_publish_policy(user) -> bool:
    return can_write(user, POLICY_PUBLISHERS)
