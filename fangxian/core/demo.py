"""Demo data loaders. Each app registers what it adds to the demo university and the demo
logins it creates; `seed_demo` runs the loaders in order inside one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

DEMO_PASSWORD = "Xiaoyuan#2022-07"  # noqa: S105  (synthetic demo accounts only)


@dataclass(frozen=True)
class DemoLoader:
    name: str
    order: int
    load: Callable[..., None]  # load(size=…, seed=…)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, what it shows)


_loaders: dict[str, DemoLoader] = {}


def register_demo(name: str, order: int, load: Callable[..., None], logins: list[tuple[str, str]] | None = None) -> None:
    _loaders[name] = DemoLoader(name, order, load, logins or [])


def loaders() -> list[DemoLoader]:
    return sorted(_loaders.values(), key=lambda loader: loader.order)


def demo_logins() -> list[tuple[str, str]]:
    return [login for loader in loaders() for login in loader.logins]
