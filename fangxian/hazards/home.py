"""Home tiles (order 60): an inspector's places to inspect, an owner's hazards to rectify,
an inspector's rectifications to verify. Dashboard tiles (order 220): open findings by level,
overdue, places not yet inspected."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.accounts.roles import roles_of
from fangxian.core.tiles import Tile

from . import access, selectors


def hazard_tiles(user) -> list[Tile]:
    """Two queries: the places to inspect, and the hazards to rectify or verify."""
    if not roles_of(user) & access.READERS:
        return []
    counts = selectors.my_work_counts(user)
    if counts is None:
        return []
    tiles: list[Tile] = []
    if counts["inspect"]:
        tiles.append(
            Tile(
                _("My places to inspect"),
                counts["inspect"],
                url=reverse("hazards:campaigns") + "#mine",
                tone="warning",
                key="hazards-inspect",
            )
        )
    if counts["rectify"]:
        tiles.append(
            Tile(
                _("Hazards to rectify"),
                counts["rectify"],
                url=reverse("hazards:findings") + "?mine=owner",
                tone="danger",
                key="hazards-rectify",
            )
        )
    if counts["verify"]:
        tiles.append(
            Tile(
                _("Rectifications to verify"),
                counts["verify"],
                url=reverse("hazards:findings") + "?mine=verify",
                tone="info",
                key="hazards-verify",
            )
        )
    return tiles


def dashboard_tiles(ctx) -> list[Tile]:
    user = ctx.user
    if not roles_of(user) & access.READERS:
        return []
    campus = ctx.campus
    figures = selectors.open_figures(user, campus=campus)
    overdue = figures.pop("overdue")
    by_level = figures
    missing = selectors.not_inspected_count(user, campus=campus, day=ctx.day)
    findings_url = reverse("hazards:findings")
    return [
        Tile(
            _("Open hazards"),
            sum(by_level.values()),
            url=findings_url + "?open=1",
            tone="danger" if by_level["major"] else ("warning" if sum(by_level.values()) else "success"),
            note=_("major %(major)s · larger %(larger)s · general %(general)s") % by_level,
            key="hazards-open",
        ),
        Tile(
            _("Overdue hazards"), overdue, url=findings_url + "?overdue=1", tone="danger" if overdue else "success", key="hazards-overdue"
        ),
        Tile(
            _("Places not yet inspected"),
            missing,
            url=reverse("hazards:campaigns"),
            tone="warning" if missing else "success",
            key="hazards-not-inspected",
        ),
    ]
