"""Who a step goes to: helpers that build a step's `to(deadline)` callable.

    Step("remind", _("Reminder"), -timedelta(hours=1), to=recipients.holders("college_admin"))
    Step("escalate", _("To the college"), timedelta(0), to=recipients.along("college_admin"))
    Step("office", _("To the office"), timedelta(hours=2), to=recipients.combine(recipients.along("leader"), recipients.office()))

Role keys are assignment role keys as strings (see fangxian.org.chain); `app_role` and
`office` name application roles (fangxian.accounts.roles.Role).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangxian.accounts.roles import Role
from fangxian.org.chain import holders_above, holders_on, users_of

from . import registry


def subject_of(deadline):
    """Where the chain of responsibility starts for this deadline."""
    spec = registry.get(deadline.kind)
    return spec.subject(deadline) if spec.subject else deadline.target


def moment(deadline):
    return getattr(deadline, "tick_at", None) or timezone.now()


def along(*roles: str) -> Callable:
    """The nearest holders of any of `roles` on the subject or above it (the counselor,
    else … ; the college's leader, else the institution's)."""

    def to(deadline) -> list:
        return users_of(holders_above(subject_of(deadline), roles, at=moment(deadline)))

    return to


def holders(*roles: str) -> Callable:
    """The holders of `roles` on the subject itself."""

    def to(deadline) -> list:
        return users_of(holders_on(subject_of(deadline), roles, at=moment(deadline)))

    return to


def app_role(role: str) -> Callable:
    """Every active account holding the application role `role` (granted roles)."""

    def to(deadline) -> Iterable:
        return get_user_model().objects.filter(is_active=True, role_grants__role=role).distinct()

    return to


def office() -> Callable:
    """The prevention office."""
    return app_role(Role.PREVENTION_OFFICE)


def combine(*parts: Callable) -> Callable:
    """Everyone named by any of `parts` (each person once)."""

    def to(deadline) -> list:
        people: dict = {}
        for part in parts:
            for user in part(deadline):
                people.setdefault(user.pk, user)
        return list(people.values())

    return to
