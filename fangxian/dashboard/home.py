"""The dashboard's home tile: school leaders and discipline inspection, who read the whole
institution and report for no unit, start their day at the command dashboard."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.tiles import Tile

from .access import READERS

STARTS_HERE = frozenset({Role.LEADER, Role.DISCIPLINE}) & frozenset(READERS)


def dashboard_tiles(user) -> list[Tile]:
    if not roles_of(user) & STARTS_HERE:
        return []
    return [
        Tile(
            _("Command dashboard"),
            kind="action",
            action=_("Open the command dashboard"),
            url=reverse("dashboard:overview"),
            key="dashboard",
        )
    ]
