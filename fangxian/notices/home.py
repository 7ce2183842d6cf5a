"""Home and dashboard tiles: a reader's notices to read; a publisher's read rate of the
policies in force; the dashboard's read rate of current policies (scoped)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.core.tiles import Tile

from . import access, selectors


def _rate_tile(user, key: str) -> Tile:
    total, read = selectors.read_rate(user)
    rate = round(100 * read / total) if total else 0
    tone = "secondary" if not total else ("success" if rate >= 90 else ("warning" if rate >= 60 else "danger"))
    return Tile(
        _("Read rate of policies in force"),
        f"{rate}%" if total else "—",
        url=reverse("notices:list") + "?status=published",
        tone=tone,
        note=_("%(read)s of %(total)s confirmed") % {"read": read, "total": total},
        key=key,
    )


def notice_tiles(user) -> list[Tile]:
    tiles: list[Tile] = []
    pending = selectors.to_read(user).count()
    if pending:
        tiles.append(
            Tile(
                _("Notices to read"),
                kind="action",
                action=_("Read %(n)s notices") % {"n": pending},
                url=reverse("notices:mine"),
                tone="warning",
                key="notices-to-read",
            )
        )
    if access.is_publisher(user):
        tiles.append(_rate_tile(user, "notices-read-rate"))
    return tiles


def dashboard_tiles(ctx) -> list[Tile]:
    from fangxian.org.scope import scope_of

    if scope_of(ctx.user).is_empty:
        return []
    return [_rate_tile(ctx.user, "notices-policies")]
