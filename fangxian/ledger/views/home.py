"""The ledger's tiles on the home page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.org.models import Student
from fangxian.web.home import Tile

from .. import selectors
from ..models import StayApplication
from .common import STAFF_ROLES


def home_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    tiles: list[Tile] = []
    today = timezone.localdate()
    if roles & set(STAFF_ROLES):
        spells = selectors.visible_spells(user).on_campus(today)
        tiles.append(
            Tile(
                _("Staying students on campus today"), spells.count(), reverse("ledger:list") + "?status=" + selectors.ON_CAMPUS, "primary"
            )
        )
        waiting = selectors.approval_queue(user).count()
        if waiting:
            tiles.append(Tile(_("Stay applications waiting for you"), waiting, reverse("ledger:approvals"), "warning"))
    if Role.STUDENT in roles:
        student = Student.objects.filter(user=user).first()
        app = StayApplication.objects.filter(student=student).select_related("period").first() if student else None
        if app is not None:
            tiles.append(Tile(_("My stay application"), app.get_stage_display(), reverse("ledger:apply"), "info", app.period.name))
    return tiles
