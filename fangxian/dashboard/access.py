"""Who may read the dashboard: the office, leaders, discipline inspection (the whole
institution) and college admins (their college). Scope decides the rest."""

from fangxian.accounts.roles import Role

READERS = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN)
# Who may send a reconciliation notice (read-only roles look, they do not act).
NOTIFIERS = (Role.PREVENTION_OFFICE, Role.COLLEGE_ADMIN)
# Who takes a report's alert in hand (the acknowledgement itself is written by reports).
ACKNOWLEDGERS = (Role.PREVENTION_OFFICE, Role.LEADER)
