"""Home tiles (order 80): inspectors see the leads to review and the answers to decide on;
a unit sees the 督办 it must answer. The dashboard tile (order 260): the units' lights."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.accounts.roles import roles_of
from fangxian.core.tiles import Tile
from fangxian.org.scope import scope_of

from . import access, selectors


def home_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    tiles: list[Tile] = []
    if access.can_supervise(user):
        leads = selectors.open_findings(user).count()
        tiles.append(
            Tile(
                _("Supervision leads to review"),
                leads,
                url=reverse("supervision:findings"),
                tone="warning" if leads else "success",
                key="supervision-leads",
            )
        )
        answers = selectors.cases_to_review(user).count()
        if answers:
            tiles.append(
                Tile(
                    _("Answers to supervision notices to review"),
                    answers,
                    url=reverse("supervision:cases") + "?status=answered",
                    tone="warning",
                    key="supervision-review",
                )
            )
    elif roles & access.ANSWERERS or scope_of(user).staff_id:
        # The unit's side: its college admins, and staff named on a 督办 as responsible.
        waiting = selectors.cases_to_answer(user).count()
        if waiting or roles & access.ANSWERERS:
            tiles.append(
                Tile(
                    _("Supervision notices to answer"),
                    waiting,
                    url=reverse("supervision:cases") + "?status=open",
                    tone="danger" if waiting else "success",
                    key="supervision-to-answer",
                )
            )
    return tiles


def dashboard_tiles(ctx) -> list[Tile]:
    if not roles_of(ctx.user) & access.OVERSEERS:
        return []
    rows = selectors.standing(ctx.user, end=ctx.day)
    counts = selectors.lights(rows)
    tone = "danger" if counts["red"] else "warning" if counts["yellow"] else "success"
    return [
        Tile(
            _("Supervision: units in red / yellow / green"),
            f"{counts['red']} / {counts['yellow']} / {counts['green']}",
            url=reverse("supervision:index"),
            tone=tone,
            note=_("last %(days)s days") % {"days": selectors.PERIOD_DAYS},
            key="supervision-lights",
        )
    ]
