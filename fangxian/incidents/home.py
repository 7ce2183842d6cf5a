"""Tiles: on the home page, the office's incidents to acknowledge and a reporter's reports due
(and, for whoever is on duty, the big "report an incident" button); on the command dashboard,
the open incidents by level with their clocks."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.tiles import Tile

from . import access, selectors


def home_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    if not roles & access.READERS:
        return []
    tiles: list[Tile] = []
    if access.can_report(user) and Role.PREVENTION_OFFICE not in roles:
        tiles.append(
            Tile(_("On duty now"), kind="action", action=_("Report an incident"), url=reverse("incidents:report"), key="incident-report")
        )
    if Role.PREVENTION_OFFICE in roles:
        waiting = selectors.to_acknowledge(user)
        n = waiting.count()
        first = waiting.first() if n == 1 else None
        tiles.append(
            Tile(
                _("Incidents to acknowledge"),
                n,
                url=reverse("incidents:detail", args=[first.pk]) if first else reverse("incidents:list") + "?status=open",
                tone="danger" if n else "success",
                key="incidents-acknowledge",
            )
        )
    mine = selectors.my_open_reports(user)
    count = mine.count()  # one query when there is nothing to follow up
    if count:
        due = selectors.overdue_clocks(mine)
        tiles.append(
            Tile(
                _("My open incidents"),
                count,
                url=reverse("incidents:list") + "?status=open",
                tone="danger" if due else "warning",
                note=_("%(n)s with a report overdue") % {"n": due} if due else _("Follow-up reports until closed"),
                key="incidents-mine",
            )
        )
    return tiles


def dashboard_tiles(ctx) -> list[Tile]:
    """Open incidents: the total with how many have a clock overdue, then one tile per level
    that has any, noting its most pressing clock."""
    user = ctx.user
    if not roles_of(user) & access.READERS:
        return []
    url = reverse("incidents:list") + "?status=open"
    open_rows = list(selectors.incident_list(user, status="open").select_related(None).only("pk", "level")[:500])
    clocks = selectors.next_clocks(open_rows)
    overdue = sum(1 for clock in clocks.values() if clock.overdue)
    tiles = [
        Tile(
            _("Open incidents"),
            len(open_rows),
            url=url,
            tone="danger" if overdue else ("warning" if open_rows else "success"),
            note=_("%(n)s with a clock overdue") % {"n": overdue} if overdue else "",
            key="incidents-open",
        )
    ]
    for row in selectors.open_by_level(user):
        if not row.count:
            continue
        level_clocks = sorted((clocks[i.pk] for i in open_rows if i.level == row.level and i.pk in clocks), key=lambda clock: clock.due_at)
        note = ""
        if level_clocks:
            nearest = level_clocks[0]
            if nearest.overdue:
                note = _("%(clock)s overdue %(time)s") % {"clock": nearest.label, "time": nearest.remaining}
            else:
                note = _("%(clock)s in %(time)s") % {"clock": nearest.label, "time": nearest.remaining}
        tiles.append(
            Tile(
                _("Open incidents · %(level)s") % {"level": row.label},
                row.count,
                url=f"{url}&level={row.level}",
                tone="danger" if row.level in ("major", "especially_major") or (level_clocks and level_clocks[0].overdue) else "warning",
                note=note,
                key=f"incidents-{row.level}",
            )
        )
    return tiles
