"""Who has an overdue list: staff who follow work through to the end. Students, guards and
the three administrators (who hold no business role) have none."""

from __future__ import annotations

from fangxian.accounts.roles import Role

OVERDUE_ROLES = (Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR, Role.STAFF)
