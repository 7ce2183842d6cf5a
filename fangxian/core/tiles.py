"""The one tile class, shown on the home page (fangxian.web.home) and on the command
dashboard (fangxian.dashboard.tiles). Each place keeps its own registry of providers (a home
tile is about a user's work, a dashboard tile about a day of the institution) and both draw
the same object.

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
