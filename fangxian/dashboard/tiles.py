"""Dashboard tiles. Each module registers a provider that returns its tiles for a day's
dashboard; the page shows whatever they return, in order. Later modules (duty, hazards,
incidents) add theirs the same way, reading their own roll-ups:

    from fangxian.core.tiles import Tile
    from fangxian.dashboard.tiles import register_tiles
    register_tiles(lambda ctx: [Tile(_("On post"), "12/12", tone="success", key="duty")], order=200)

`ctx` is a `TileContext`: the user, the day, the campus filter and the `Summary` already
read for the page (use it instead of new queries where the figure is there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.core.tiles import Tile

__all__ = ["Tile", "TileContext", "TileProvider", "register_tiles", "tiles_for"]


@dataclass
class TileContext:
    user: object
    day: object
    campus: object
    summary: object


TileProvider = Callable[[TileContext], list[Tile]]
_providers: list[tuple[int, TileProvider]] = []


def register_tiles(provider: TileProvider, order: int = 100) -> None:
    if all(p is not provider for _o, p in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])


def tiles_for(ctx: TileContext) -> list[Tile]:
    tiles: list[Tile] = []
    for _order, provider in _providers:
        tiles.extend(provider(ctx))
    return tiles


def _q(ctx: TileContext) -> str:
    return f"?day={ctx.day.isoformat()}"


def ledger_tiles(ctx: TileContext) -> list[Tile]:
    s = ctx.summary
    return [Tile(_("Students in the ledger"), s.total("ledger"), note=_("on campus today"), key="ledger")]


def report_tiles(ctx: TileContext) -> list[Tile]:
    s = ctx.summary
    missing = len(s.reports_missing)
    return [
        Tile(
            _("Reported headcount"),
            _("Not reported") if s.reported is None else s.reported,
            tone="info" if s.reported is not None else "secondary",
            note=_("from %(n)s of %(total)s colleges' daily reports") % {"n": s.reported_units, "total": len(s.lines)},
            key="reported",
        ),
        Tile(
            _("Reports in"),
            f"{s.reports_in}/{s.reports_expected}",
            tone="success" if not missing else "warning",
            note=_("%(n)s units missing") % {"n": missing} if missing else _("complete"),
            key="reports",
        ),
    ]


def gate_tiles(ctx: TileContext) -> list[Tile]:
    s = ctx.summary
    tiles = [
        Tile(_("Present by gate scans"), s.total("present"), key="present"),
        Tile(
            _("Out and not back"),
            s.total("out_not_back"),
            tone="danger" if s.total("out_not_back") else "success",
            url=reverse("dashboard:reconcile") + _q(ctx),
            key="out_not_back",
        ),
        Tile(_("Overdue returns"), s.total("overdue"), tone="danger" if s.total("overdue") else "success", key="overdue"),
    ]
    if s.sees_gates:
        tiles.append(Tile(_("Refused attempts"), s.refused, tone="warning" if s.refused else "success", key="refused"))
    return tiles


def coverage_tiles(ctx: TileContext) -> list[Tile]:
    gaps = ctx.summary.gaps
    return [Tile(_("Coverage gaps"), gaps, tone="danger" if gaps else "success", note=_("nodes or students without an owner"), key="gaps")]


def register_builtin_tiles() -> None:
    register_tiles(ledger_tiles, order=10)
    register_tiles(report_tiles, order=20)
    register_tiles(gate_tiles, order=30)
    register_tiles(coverage_tiles, order=40)
