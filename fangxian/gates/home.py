"""Home tiles for gate control."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.web.home import Tile

from . import selectors
from .models import GateAlert, LeaveApplication


def gate_tiles(user) -> list:
    roles = roles_of(user)
    tiles = []
    if roles & {Role.GATE_GUARD, Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE}:
        since = timezone.now() - timedelta(hours=24)
        count = selectors.visible_alerts(user).filter(created_at__gte=since).exclude(kind=GateAlert.Kind.OVERDUE).count()
        tiles.append(Tile(_("Gate alerts (24 h)"), count, reverse("gates:alerts"), "danger" if count else "success"))
    staff = selectors.staff_of(user)
    if staff is not None and roles & {Role.COUNSELOR, Role.COLLEGE_ADMIN}:
        from .services import may_decide

        pending = [
            leave
            for leave in selectors.visible_leaves(user).filter(
                status__in=[LeaveApplication.Status.PENDING, LeaveApplication.Status.COLLEGE]
            )
            if may_decide(leave, staff)
        ]
        # Shown at 0 too: a counselor learns where leave applications arrive before the first one does.
        tiles.append(
            Tile(_("Leave applications to decide"), len(pending), reverse("gates:leave_list"), "warning" if pending else "success")
        )
    return tiles
