"""The one tile class, shown on the home page (fangxian.web.home) and on the command
dashboard (fangxian.dashboard). Each place keeps its own registry of providers (a home tile is
about a user's work, a dashboard tile about a day of the institution) and both draw the same
object. The dashboard's registry lives here, below every app, so that a feature app can
register its dashboard tiles without importing the dashboard (which sits above the features):

    from fangxian.core.tiles import Tile, register_dashboard_tiles
    register_dashboard_tiles(lambda ctx: [Tile(_("On post"), "12/12", key="duty-on-post")], order=200)

`ctx` is a `TileContext`: the user, the day, the campus filter (None for all) and the
dashboard's `Summary` already read for the page (use it instead of new queries where the
figure is there). A provider reads its own app's roll-ups through its selectors, scoped to
`ctx.user`.

    Tile(_("Leave applications to decide"), 3, url=reverse("gates:leave_list"), tone="warning")

Kinds:
- "figure" (default): a title, a value (a number or a short word), an optional note; the
  whole tile links to `url` when given.
- "action": the page's main action, drawn as a big button (`action` is its label, `url` its
  target); the home page puts actions first.
- "panel": a piece of page the app draws itself: `template` is included with `tile` in its
  context (`tile.data` carries what it needs); `scripts` and `styles` are static paths the
  page loads once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field

KINDS = ("figure", "action", "panel")
TONES = ("primary", "secondary", "success", "danger", "warning", "info", "light", "dark")


@dataclass
class Tile:
    title: str
    value: str | int = ""
    _: KW_ONLY
    url: str = ""
    tone: str = "primary"  # a Bootstrap colour name (TONES)
    note: str = ""
    key: str = ""  # a stable name for tests and page anchors
    kind: str = "figure"
    action: str = ""
    template: str = ""
    data: dict = field(default_factory=dict)
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown tile kind {self.kind!r}; one of {KINDS}")
        if self.tone not in TONES:
            raise ValueError(f"unknown tile tone {self.tone!r}; one of {TONES}")
        if self.kind == "panel" and not self.template:
            raise ValueError("a panel tile needs a template")
        if self.kind == "action" and not (self.url and self.action):
            raise ValueError("an action tile needs a url and an action label")

    @property
    def leads(self) -> bool:
        """Drawn before the figures (the day's main action)."""
        return self.kind != "figure"


@dataclass
class TileContext:
    """What a dashboard tile provider is given: one day of the institution as one user sees it."""

    user: object
    day: object
    campus: object
    summary: object


DashboardTileProvider = Callable[[TileContext], list[Tile]]
_dashboard_providers: list[tuple[int, DashboardTileProvider]] = []


def register_dashboard_tiles(provider: DashboardTileProvider, order: int = 100) -> None:
    """Add a provider of command-dashboard tiles (call from AppConfig.ready())."""
    if all(p is not provider for _o, p in _dashboard_providers):
        _dashboard_providers.append((order, provider))
        _dashboard_providers.sort(key=lambda item: item[0])


def dashboard_tiles(ctx: TileContext) -> list[Tile]:
    tiles: list[Tile] = []
    for _order, provider in _dashboard_providers:
        tiles.extend(provider(ctx))
    return tiles
