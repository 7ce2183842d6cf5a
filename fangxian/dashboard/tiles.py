"""The dashboard's own tiles (ledger, reports, gates, coverage). The registry itself is
`fangxian.core.tiles.register_dashboard_tiles`, so that feature apps below the dashboard
register theirs the same way (see that module); `register_tiles` and `tiles_for` are its
names here.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.core.tiles import Tile, TileContext
from fangxian.core.tiles import dashboard_tiles as tiles_for
from fangxian.core.tiles import register_dashboard_tiles as register_tiles

__all__ = ["Tile", "TileContext", "register_tiles", "tiles_for"]


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
