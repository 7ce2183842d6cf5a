"""Home tiles (a person's slot in the current round; the sampler's station; the round's
coverage for staff) and the dashboard tile (sampled / expected, abnormal tubes)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.tiles import Tile, TileContext

from . import access, selectors, services


def home_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    tiles: list[Tile] = []
    if roles & {Role.STAFF, Role.PREVENTION_OFFICE} and services.sampler_places(user):
        tiles.append(
            Tile(_("Screening round"), kind="action", action=_("Sampling"), url=reverse("screening:sample"), key="screening-sample")
        )
    if roles & access.SELF:
        member = selectors.my_next(user)
        if member is not None:
            if member.sampled_at:
                value, tone = _("Sampled"), "success"
            else:
                value, tone = (timezone.localtime(member.slot.starts_at).strftime("%H:%M") if member.slot_id else "—"), "warning"
            note = f"{member.round.name} · {member.slot.place.name}" if member.slot_id else member.round.name
            tiles.append(Tile(_("My test"), value, url=reverse("screening:mine"), tone=tone, note=note, key="screening-mine"))
    if roles & access.READERS:
        figures = selectors.current_round_figures(user)
        if figures and figures["expected"]:
            tiles.append(_coverage_tile(figures))
    return tiles


def _coverage_tile(figures: dict) -> Tile:
    round = figures["round"]
    missing = figures["expected"] - figures["sampled"]
    note = round.name
    if figures["flagged"]:
        note += " · " + _("%(n)s abnormal tubes") % {"n": figures["flagged"]}
    return Tile(
        _("Sampled / expected"),
        f"{figures['sampled']}/{figures['expected']}",
        url=reverse("screening:coverage", args=[round.pk]),
        tone="danger" if figures["flagged"] else ("warning" if missing else "success"),
        note=note,
        key="screening-coverage",
    )


def dashboard_tiles(ctx: TileContext) -> list[Tile]:
    if not roles_of(ctx.user) & access.READERS:
        return []
    figures = selectors.current_round_figures(ctx.user, ctx.day)
    if not figures:
        return []
    return [_coverage_tile(figures)]
