"""Who may use which screening page and endpoint. Scope decides which people (a member
outside it is "not found"); writes also need a scope that is not read-only."""

from fangxian.accounts.roles import Role

# Staff who follow rounds and their coverage (in their scope).
READERS = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR})
# Who creates rounds, imports results and exports the report for the city.
OFFICE = frozenset({Role.PREVENTION_OFFICE})
OFFICE_READ = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE})
# The sampling page: staff posted as samplers (采样人员, an assignment role giving STAFF).
SAMPLER_PAGE = frozenset({Role.STAFF, Role.PREVENTION_OFFICE})
# "My test": students and staff see their slot and their history.
SELF = frozenset({Role.STUDENT, Role.STAFF, Role.COUNSELOR, Role.COLLEGE_ADMIN})
# Who sees ID numbers in the round's export.
ID_NUMBER_ROLES = frozenset({Role.PREVENTION_OFFICE})
