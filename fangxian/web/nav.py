"""The navigation registry. The top bar shows groups of entries named after the work
(指挥, 学生, 报告, 校门 …); the groups are registered once (web/apps.py), the entries by
each app in its AppConfig.ready():

    from fangxian.web.nav import NavItem, register
    register(NavItem("duty", _("Duty roster"), "duty:roster", "calendar-check", group="duty", order=10))

Who sees an entry is what the page lets in: a view guarded by
`fangxian.accounts.access.require_roles` carries its roles (`view.required_roles`), and the
entry is shown only to users holding one of them. `roles=` narrows that further, and is
needed where the view checks roles inside its body (then pass the same constant from the
app's access.py that the view checks). A test opens every entry as every demo role who sees
it (fangxian/web/tests/test_nav.py), so the menu and the views cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, resolve, reverse

EVERYONE = None  # roles=None: no restriction beyond the view's own


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    icon: str = "circle"
    order: int = 100


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    icon: str = "circle"
    group: str = "system"
    roles: frozenset[str] | set[str] | tuple | None = EVERYONE
    order: int = 100

    def visible_to(self, roles: frozenset[str]) -> bool:
        allowed = allowed_roles(self)
        return allowed is None or bool(allowed & roles)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_groups: dict[str, NavGroup] = {}
_items: dict[str, NavItem] = {}
_allowed: dict[str, frozenset[str] | None] = {}  # key -> roles (cache; cleared on register)


def register_group(group: NavGroup) -> None:
    _groups[group.key] = group


def register(item: NavItem) -> None:
    if item.key in _items and _items[item.key] != item:
        raise ValueError(f"two navigation entries are called {item.key!r}")
    _items[item.key] = item
    _allowed.pop(item.key, None)


def unregister(key: str) -> None:
    """For tests that register an entry of their own."""
    _items.pop(key, None)
    _allowed.pop(key, None)


def view_roles(url_name: str) -> frozenset[str] | None:
    """The roles the view behind `url_name` lets in (None: it does not say)."""
    func = resolve(reverse(url_name)).func
    roles = getattr(func, "required_roles", None)
    return frozenset(roles) if roles is not None else None


def allowed_roles(item: NavItem) -> frozenset[str] | None:
    """The roles that see `item`: its own `roles` met with the view's (None: every signed-in user)."""
    if item.key not in _allowed:
        own = frozenset(item.roles) if item.roles is not None else None
        try:
            of_view = view_roles(item.url_name)
        except NoReverseMatch:
            of_view = frozenset()  # a URL that does not exist (an app left out): nobody
        if own is None:
            allowed = of_view
        elif of_view is None:
            allowed = own
        else:
            allowed = own & of_view
        _allowed[item.key] = allowed
    return _allowed[item.key]


def _forget(**kwargs) -> None:
    if kwargs.get("setting") == "ROOT_URLCONF":
        _allowed.clear()


setting_changed.connect(_forget, dispatch_uid="fangxian-nav-forget")


def registered_items() -> list[NavItem]:
    return sorted(_items.values(), key=lambda i: (_group_order(i.group), i.order, i.key))


def registered_groups() -> list[NavGroup]:
    return sorted(_groups.values(), key=lambda g: (g.order, g.key))


def _group_order(key: str) -> tuple[int, str]:
    group = _groups.get(key)
    return (group.order if group else 10_000, key)


def items_for(roles: frozenset[str]) -> list[NavItem]:
    """The entries a user with `roles` sees, in menu order."""
    return [i for i in registered_items() if i.visible_to(roles)]


def groups_for(roles: frozenset[str]) -> list[tuple[NavGroup, list[NavItem]]]:
    """The menu: each group with its visible entries; groups with none are left out. An
    entry whose group nobody registered goes into a group of its own key (and shows up in
    the registry test)."""
    menu: dict[str, list[NavItem]] = {}
    for item in items_for(roles):
        menu.setdefault(item.group, []).append(item)
    return [(_groups.get(key) or NavGroup(key, key), items) for key, items in menu.items()]
