"""Who may use the privacy pages. The inventory (个人信息处理活动记录) and the access log
are the security and audit administrators' (三权分立: they read records about people, not
the people's data); the end of the emergency is asked by the prevention office and
approved by the security administrator; everybody with a person record sees their own data."""

from fangxian.accounts.roles import Role, roles_of

INVENTORY_READERS = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
ACCESS_LOG_READERS = frozenset({Role.AUDIT_ADMIN, Role.SECURITY_ADMIN})
EMERGENCY_READERS = frozenset({Role.PREVENTION_OFFICE, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.LEADER})
EMERGENCY_REQUESTERS = frozenset({Role.PREVENTION_OFFICE})
EMERGENCY_APPROVERS = frozenset({Role.SECURITY_ADMIN})
# Who runs the retention job by hand (it also runs every night by itself).
PURGE_RUNNERS = frozenset({Role.SECURITY_ADMIN})
# "My data": whoever is a student or a member of staff (their own record only).
OWN_DATA_READERS = frozenset({Role.STUDENT, Role.STAFF, Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE, Role.LEADER})

# Unmasked exports: asked by whoever may reveal the export's fields (each export says who),
# approved by the security administrator; the auditor reads the requests too.
EXPORT_APPROVERS = frozenset({Role.SECURITY_ADMIN})
EXPORT_GRANT_READERS = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
EXPORT_REQUESTERS = frozenset(
    {Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.SECURITY_OFFICE, Role.STAFF}
)
EXPORT_PAGE_ROLES = EXPORT_REQUESTERS | EXPORT_GRANT_READERS

# The privacy app's records are read by the roles of its pages, whole-institution.
RECORD_READERS = INVENTORY_READERS | ACCESS_LOG_READERS | EMERGENCY_READERS


def reads_records(user) -> bool:
    return bool(roles_of(user) & RECORD_READERS)
