"""Home-page tiles. Feature apps register a function that returns the tiles for a user;
the home page shows whatever they return, so it needs no knowledge of the features."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Tile:
    title: str
    value: str | int
    url: str = ""
    tone: str = "primary"  # bootstrap colour name
    note: str = ""


TileProvider = Callable[[object], list[Tile]]
_providers: list[TileProvider] = []


def register_tiles(provider: TileProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def tiles_for(user) -> list[Tile]:
    tiles: list[Tile] = []
    for provider in _providers:
        tiles.extend(provider(user))
    return tiles
