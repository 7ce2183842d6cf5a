"""Who may use which report page, and who may report. Scope decides which units: a unit
outside it is "not found" (or "not one you report for"), never a hint."""

from fangxian.accounts.roles import Role

READERS = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN)
OVERSEERS = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE)
# Who fills in and submits reports for the units in their scope (fangxian.org.access.can_write:
# leaders and discipline inspection read, they do not report).
REPORTERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN})
# Who takes an alert in hand (discipline inspection reads, it does not act).
ACKNOWLEDGERS = (Role.PREVENTION_OFFICE, Role.LEADER)
# Who reviews (returns, accepts) reports and runs the daily summary.
OFFICE = frozenset({Role.PREVENTION_OFFICE})
# Roles that call the people of late units and so see their phone numbers in full.
PHONE_ROLES = frozenset({Role.PREVENTION_OFFICE})
