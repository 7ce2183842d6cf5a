"""Home and dashboard tiles of care: a counselor's overdue follow-ups and open requests for
help; a student's "ask for help" and "rate today's meal"; the dashboard's day figures."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.tiles import Tile
from fangxian.org.access import holds

from . import access, selectors


def home_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    tiles: list[Tile] = []
    if Role.STUDENT in roles:
        tiles.append(Tile(_("Need help?"), kind="action", action=_("Ask for help"), url=reverse("care:ask"), key="care-ask"))
        tiles.append(Tile(_("Today's meals"), kind="action", action=_("Rate today's meal"), url=reverse("care:meals"), key="care-rate"))
    if roles & access.TILE_STAFF or holds(user, access.PSYCH_COUNSELLOR):
        overdue = selectors.overdue_plans(user).count()
        tiles.append(
            Tile(
                _("Care follow-ups overdue"),
                overdue,
                url=reverse("care:list") + "?overdue=1",
                tone="danger" if overdue else "success",
                key="care-overdue",
            )
        )
    if roles & access.HELP_ANSWERERS:
        waiting = selectors.open_help(user).count()
        tiles.append(
            Tile(
                _("Help requests to answer"),
                waiting,
                url=reverse("care:help_list"),
                tone="warning" if waiting else "success",
                key="care-help",
            )
        )
    if access.is_logistics(user) and Role.PREVENTION_OFFICE not in roles:
        open_complaints = selectors.complaints(user, unanswered=True).count()
        tiles.append(
            Tile(
                _("Meal complaints to answer"),
                open_complaints,
                url=reverse("care:canteens"),
                tone="warning" if open_complaints else "success",
                key="care-complaints",
            )
        )
    return tiles


def dashboard_tiles(ctx) -> list[Tile]:
    if not roles_of(ctx.user) & access.CARE_READERS:
        return []
    figures = selectors.day_figures(ctx.user, ctx.day)
    today = ctx.day == timezone.localdate()
    tiles = [
        Tile(
            _("Care follow-ups overdue"),
            figures.overdue,
            url=reverse("care:list") + "?overdue=1",
            tone="danger" if figures.overdue else "success",
            key="care-overdue",
        ),
        Tile(
            _("Open help requests"),
            figures.open_help,
            url=reverse("care:help_list"),
            tone="warning" if figures.open_help else "success",
            key="care-help",
        ),
    ]
    if roles_of(ctx.user) & access.MEAL_READERS:
        tiles.append(
            Tile(
                _("Meal rating today") if today else _("Meal rating"),
                "—" if figures.average is None else f"{figures.average}",
                note=_("%(n)s ratings") % {"n": figures.ratings},
                url=reverse("care:canteens") + f"?day={ctx.day.isoformat()}",
                tone="info",
                key="care-meals",
            )
        )
    return tiles
