"""Tiles: the person on duty's home tiles (my next shift, check in, pings to answer), and the
dashboard's (on post now n/m, reachability today)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import roles_of
from fangxian.core.tiles import Tile

from . import access, selectors
from .services.onpost import EARLY


def duty_tiles(user) -> list[Tile]:
    if not roles_of(user) & access.ON_DUTY:
        return []
    now = timezone.now()
    post = selectors.next_post(user, now)  # one query
    tiles: list[Tile] = []
    pings = selectors.open_pings(user, now).count()  # one query
    if pings:
        tiles.append(
            Tile(_("Reachability pings"), pings, kind="action", action=_("I am on post"), url=reverse("duty:mine"), key="duty-pings")
        )
    if post is None:
        return tiles
    if post.checked_in_at is None and post.shift.starts_at - EARLY <= now:
        tiles.append(Tile(_("On duty"), kind="action", action=_("Check in on post"), url=reverse("duty:mine"), key="duty-check-in"))
    else:
        start = timezone.localtime(post.shift.starts_at)
        tiles.append(
            Tile(
                _("My next shift"),
                f"{start:%m-%d %H:%M}",
                note=f"{post.shift.roster.unit.name} · {post.get_role_display()}",
                url=reverse("duty:mine"),
                tone="success" if post.checked_in_at else "primary",
                key="duty-next",
            )
        )
    return tiles


def dashboard_tiles(ctx) -> list[Tile]:
    if not roles_of(ctx.user) & access.OFFICE_READ:
        return []
    checked, rostered = selectors.on_post_figure(ctx.user)
    today = timezone.localdate()
    total, _units, _people = selectors.reachability(ctx.user, today, today)
    return [
        Tile(
            _("On post now"),
            f"{checked}/{rostered}",
            url=reverse("duty:on_post"),
            tone="success" if checked == rostered else "warning",
            key="duty-on-post",
        ),
        Tile(
            _("Reachability today"),
            total.percent,
            note=_("%(answered)s of %(asked)s answered") % {"answered": total.answered, "asked": total.asked},
            url=reverse("duty:reachability"),
            tone="success" if total.rate in (None, 1) else "warning",
            key="duty-reachability",
        ),
    ]
