"""Demo accounts for the system roles. Assignment-based roles (college admin, counselor,
gate guard, student) are created by the organisation's demo loader."""

from __future__ import annotations

from fangxian.core.demo import DEMO_PASSWORD

from .models import RoleGrant, User
from .roles import Role

SYSTEM_ROLE_ACCOUNTS = [
    ("office", "防控办 王敏", Role.PREVENTION_OFFICE, "防控办 prevention office (sees everything)"),
    ("leader", "校领导 李建国", Role.LEADER, "校领导 school leader (dashboards)"),
    ("inspector", "纪检 赵清", Role.DISCIPLINE, "纪检监察 discipline inspection (reads everything)"),
    ("sysadmin", "系统管理员 陈工", Role.SYSTEM_ADMIN, "系统管理员 system admin"),
    ("secadmin", "安全管理员 周工", Role.SECURITY_ADMIN, "安全管理员 security admin (grants roles)"),
    ("auditor", "审计管理员 吴工", Role.AUDIT_ADMIN, "审计管理员 audit admin (reads the audit log)"),
]


def load(**_options) -> None:
    for username, full_name, role, _description in SYSTEM_ROLE_ACCOUNTS:
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        RoleGrant.objects.get_or_create(user=user, role=role)


LOGINS = [(username, description) for username, _n, _r, description in SYSTEM_ROLE_ACCOUNTS]
