"""ECharts options for the dashboard (drawn by fangxian/static/fangxian/app.js from JSON)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .selectors import Summary

DARK_TEXT = "#d8e6ff"


def _axis_colours(dark: bool) -> dict:
    return {"axisLabel": {"color": DARK_TEXT}} if dark else {}


def by_college(summary: Summary, dark: bool = False) -> dict:
    names = [line.name for line in summary.lines]
    legend = {"data": [_("Ledger"), _("Daily report"), _("Gate presence")], "top": 0}
    if dark:
        legend["textStyle"] = {"color": DARK_TEXT}
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": legend,
        "grid": {"left": 40, "right": 10, "top": 36, "bottom": 60},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30, **({"color": DARK_TEXT} if dark else {})}},
        "yAxis": {"type": "value", "minInterval": 1, **_axis_colours(dark)},  # counts: whole numbers
        "series": [
            {"name": _("Ledger"), "type": "bar", "data": [line.ledger for line in summary.lines]},
            # None is drawn as no bar: a college that has not reported is not a college of 0.
            # None draws no bar: a college that has not reported is not a college of 0.
            {"name": _("Daily report"), "type": "bar", "data": [line.reported for line in summary.lines]},
            {"name": _("Gate presence"), "type": "bar", "data": [line.present for line in summary.lines]},
        ],
    }


def traffic(summary: Summary, dark: bool = False) -> dict:
    legend = {"data": [_("Entering"), _("Leaving")], "top": 0}
    if dark:
        legend["textStyle"] = {"color": DARK_TEXT}
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": legend,
        "grid": {"left": 40, "right": 10, "top": 36, "bottom": 30},
        "xAxis": {"type": "category", "data": [f"{h}时" for h in range(24)], **_axis_colours(dark)},
        "yAxis": {"type": "value", "minInterval": 1, **_axis_colours(dark)},  # counts: whole numbers
        "series": [
            {"name": _("Entering"), "type": "line", "data": summary.traffic_in},
            {"name": _("Leaving"), "type": "line", "data": summary.traffic_out},
        ],
    }


def categories(summary: Summary, dark: bool = False) -> dict:
    label = {"color": DARK_TEXT} if dark else {}
    return {
        "animation": False,
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "name": _("Students by category"),
                "type": "pie",
                "radius": ["35%", "65%"],
                "label": label,
                "data": [{"name": name, "value": n} for _code, name, n in summary.categories] or [{"name": _("none"), "value": 0}],
            }
        ],
    }


def series(points: list, dark: bool = False) -> dict:
    legend = {"data": [_("Ledger"), _("Gate presence")], "top": 0}
    if dark:
        legend["textStyle"] = {"color": DARK_TEXT}
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": legend,
        "grid": {"left": 40, "right": 10, "top": 36, "bottom": 30},
        "xAxis": {"type": "category", "data": [d.strftime("%m-%d") for d, _l, _p in points], **_axis_colours(dark)},
        "yAxis": {"type": "value", "minInterval": 1, **_axis_colours(dark)},  # counts: whole numbers
        "series": [
            {"name": _("Ledger"), "type": "line", "data": [ledger for _d, ledger, _p in points]},
            {"name": _("Gate presence"), "type": "line", "data": [present for _d, _l, present in points]},
        ],
    }
