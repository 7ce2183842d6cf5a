"""Who may use which ledger page and endpoint, and who may change what. Scope decides
which students (fangxian.org.visibility: a student outside it is "not found"); writes
also need a scope that is not read-only (fangxian.org.access.can_write)."""

from fangxian.accounts.roles import Role

# Staff who work with the ledger at all (pages and API).
STAFF_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR})
# Who changes statuses, tags and one-to-one staff of students in their scope.
WRITE_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR})
# Who reads the office's pages (periods, dorm moves) and who writes them.
OFFICE_READ = frozenset({Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE})
OFFICE = frozenset({Role.PREVENTION_OFFICE})
# Who corrects an entry's recorded history.
CORRECTORS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN})
# Who imports ledger spreadsheets.
IMPORTERS = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN})
# Stay applications: staff read them in their scope; a student applies for themselves.
APPLICATION_READERS = STAFF_ROLES | {Role.STUDENT}
APPLICANTS = frozenset({Role.STUDENT})
# The approval queue: who sees it, who decides (and at which stage).
REVIEW_READERS = frozenset({Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE})
REVIEWERS = frozenset({Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE})
COUNSELOR_APPROVERS = frozenset({Role.COUNSELOR, Role.PREVENTION_OFFICE})
COLLEGE_APPROVERS = frozenset({Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE})
# Personal numbers in exports and on the entry page.
ID_NUMBER_ROLES = frozenset({Role.PREVENTION_OFFICE})
PHONE_ROLES = frozenset({Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN, Role.COUNSELOR})
