"""Who may use which duty page and endpoint. Scope decides which rosters and shifts
(`visible_to`: the units in the user's scope, and the shifts the user is on); writes also
need a scope that is not read-only (fangxian.org.access.can_write)."""

from fangxian.accounts.roles import Role

# Rosters, gaps and the duty log: the office and school leaders for the school, unit admins
# for their unit, and every member of staff for the shifts they are on.
READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.STAFF})
# Who fills, edits, imports rosters and approves swaps and duty leave (their own units).
WRITERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN})
# The office's pages: who is not on post now, pings, reachability.
OFFICE_READ = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN})
OFFICE = frozenset({Role.PREVENTION_OFFICE})
# The phone page, check-in, pings to answer, swap requests and the log: the people on duty.
ON_DUTY = frozenset({Role.STAFF})
# Full phone numbers of the people on duty: those who must reach them.
PHONE_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.COLLEGE_ADMIN, Role.STAFF})
