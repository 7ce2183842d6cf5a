"""The navigation registry: groups named after the work, entries registered by the apps, and
a menu that never shows a page the role cannot open."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from fangxian.accounts.roles import Role, roles_of
from fangxian.testing_authz import ROLES
from fangxian.tests.test_authz_matrix import World
from fangxian.web import nav
from fangxian.web.nav import NavItem

GROUPS = ["指挥", "学生", "报告", "校门", "值班与安全", "宣传与督办", "组织与人员", "系统"]


def test_the_eight_groups_are_registered_once_in_the_order_of_the_work():
    with translation.override("zh-hans"):
        labels = [str(g.label) for g in nav.registered_groups() if g.key != "personal"]
    assert labels == GROUPS


def test_every_entry_sits_in_a_registered_group_and_has_a_unique_key():
    groups = {g.key for g in nav.registered_groups()}
    items = nav.registered_items()
    assert items, "the apps register entries"
    assert {i.group for i in items} <= groups
    assert len({i.key for i in items}) == len(items)


def test_an_entry_takes_its_roles_from_the_view_and_roles_only_narrow_them():
    try:
        # web:config is guarded by require_roles(SYSTEM_ADMIN).
        nav.register(NavItem("t_derived", "x", "web:config", group="system"))
        nav.register(NavItem("t_wider", "x", "web:config", group="system", roles={Role.SYSTEM_ADMIN, Role.STUDENT}))
        nav.register(NavItem("t_open", "x", "notify:list", group="personal"))
        nav.register(NavItem("t_narrow", "x", "notify:list", group="personal", roles={Role.COUNSELOR}))
        assert nav.allowed_roles(nav._items["t_derived"]) == {Role.SYSTEM_ADMIN}
        assert nav.allowed_roles(nav._items["t_wider"]) == {Role.SYSTEM_ADMIN}  # the student would get 403
        assert nav.allowed_roles(nav._items["t_open"]) is None  # the view lets every signed-in user in
        assert nav.allowed_roles(nav._items["t_narrow"]) == {Role.COUNSELOR}
        student = frozenset({Role.STUDENT})
        keys = {i.key for i in nav.items_for(student)}
        assert "t_wider" not in keys and "t_derived" not in keys and "t_open" in keys and "t_narrow" not in keys
    finally:
        for key in ("t_derived", "t_wider", "t_open", "t_narrow"):
            nav.unregister(key)


def test_two_different_entries_cannot_share_a_key():
    with pytest.raises(ValueError, match="t_twice"):
        try:
            nav.register(NavItem("t_twice", "x", "web:config"))
            nav.register(NavItem("t_twice", "y", "web:config"))
        finally:
            nav.unregister("t_twice")


def test_an_entry_for_a_url_that_does_not_exist_is_shown_to_nobody():
    try:
        nav.register(NavItem("t_missing", "x", "nowhere:page", group="system"))
        assert nav.allowed_roles(nav._items["t_missing"]) == frozenset()
    finally:
        nav.unregister("t_missing")


def test_groups_keep_their_order_and_leave_out_empty_ones():
    office = frozenset({Role.PREVENTION_OFFICE})
    keys = [group.key for group, _items in nav.groups_for(office)]
    assert keys == [g.key for g in nav.registered_groups() if g.key in keys]
    assert "system" not in keys  # the office holds no administrator role
    for _group, items in nav.groups_for(office):
        assert items


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.SYSTEM_ADMIN}))
def test_the_api_entry_is_not_shown_to_roles_that_do_not_connect_systems(role):
    assert "api" not in {i.key for i in nav.items_for(frozenset({role}))}


def test_the_system_admin_finds_the_api_documentation():
    assert "api" in {i.key for i in nav.items_for(frozenset({Role.SYSTEM_ADMIN}))}


NAV_LINK = re.compile(r'<a [^>]*href="(?P<href>[^"#]+)"[^>]*data-nav="(?P<key>[^"]+)"')


@pytest.fixture
def world(db, make_user, media_root):
    return World(make_user)


def test_every_entry_a_demo_role_sees_opens_for_that_role(world):
    """Walk the menu as every demo role: each entry drawn in the top bar opens (never 403 or
    404), and what is drawn is exactly what the registry says the role sees."""
    opened = 0
    for role in ROLES:
        client: Client = world.clients[role]
        user = world.users[role]
        home = client.get("/")
        assert home.status_code == 200, role
        drawn = {m["key"]: m["href"] for m in NAV_LINK.finditer(home.content.decode())}
        drawn.pop("home")
        expected = {i.key for i in nav.items_for(roles_of(user))}
        assert set(drawn) == expected, role
        for key, href in drawn.items():
            status = client.get(href).status_code
            assert status in (200, 302), f"{role} sees {key} ({href}) but gets {status}"
            opened += 1
    assert opened >= 40
