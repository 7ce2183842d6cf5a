"""Home-page tiles. Feature apps register a function that returns the tiles for a user;
the home page shows whatever they return (actions and panels first, then figures, each in
provider order), so it needs no knowledge of the features.

    from fangxian.web.home import register_tiles
    register_tiles(home.duty_tiles, order=40)   # def duty_tiles(user) -> list[Tile]

The tile class is fangxian.core.tiles.Tile (the dashboard draws the same one).
"""

from __future__ import annotations

from collections.abc import Callable

from fangxian.core.tiles import Tile

__all__ = ["Tile", "TileProvider", "register_tiles", "tiles_for"]

TileProvider = Callable[[object], list[Tile]]
_providers: list[tuple[int, TileProvider]] = []


def register_tiles(provider: TileProvider, order: int = 100) -> None:
    if all(p is not provider for _o, p in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])


def tiles_for(user) -> list[Tile]:
    tiles: list[Tile] = []
    for _order, provider in _providers:
        tiles.extend(provider(user))
    # Stable: the day's actions lead, each group keeps the providers' order.
    return sorted(tiles, key=lambda tile: not tile.leads)
