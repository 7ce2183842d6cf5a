"""The navigation registry. Each app registers its entries in AppConfig.ready(); the
shell shows an entry only to users holding one of its roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    icon: str = "circle"
    roles: frozenset[str] | set[str] | None = None  # None: every signed-in user
    order: int = 100
    extra: dict = field(default_factory=dict)

    def visible_to(self, roles: frozenset[str]) -> bool:
        return self.roles is None or bool(set(self.roles) & roles)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.key] = item


def items_for(roles: frozenset[str]) -> list[NavItem]:
    return sorted((i for i in _items.values() if i.visible_to(roles)), key=lambda i: (i.order, i.key))
