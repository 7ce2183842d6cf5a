"""The home page as every demo role: it starts the day's work, each tile leads to a page
the role may open, a leader's tiles all click through, and it stays cheap."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangxian.core.tiles import Tile
from fangxian.testing_authz import ROLES
from fangxian.tests.test_authz_matrix import World
from fangxian.web.home import tiles_for

# Queries for the whole home page (session, user, roles, menu, every provider), per role.
# Fifteen apps draw tiles now (40 held for seven). The heaviest provider is reports' (about
# five queries per form due today: a college reports on three), then screening's (seven).
MAX_QUERIES = 56


@pytest.fixture
def world(db, make_user, media_root):
    return World(make_user)


def test_every_roles_home_opens_cheaply_and_every_tile_leads_somewhere_it_may_go(world):
    counts = {}
    for role in ROLES:
        client = world.clients[role]
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        assert response.status_code == 200, role
        counts[role] = len(queries)
        for tile in tiles_for(world.users[role]):
            if tile.url:
                assert client.get(tile.url).status_code in (200, 302), f"{role}: {tile.key} → {tile.url}"
    assert max(counts.values()) <= MAX_QUERIES, counts


def test_a_leaders_tiles_all_click_through(world):
    tiles = tiles_for(world.users["leader"])
    assert tiles
    assert all(tile.url for tile in tiles), [tile.key for tile in tiles if not tile.url]


def test_the_day_s_actions_lead_the_page(world):
    tiles = tiles_for(world.users["guard"])
    assert tiles[0].key == "station"
    leads = [tile.leads for tile in tiles]
    assert leads == sorted(leads, reverse=True)


def test_a_tile_says_what_is_wrong_with_it():
    with pytest.raises(ValueError, match="kind"):
        Tile("x", kind="big")
    with pytest.raises(ValueError, match="tone"):
        Tile("x", tone="purple")
    with pytest.raises(ValueError, match="template"):
        Tile("x", kind="panel")
    with pytest.raises(ValueError, match="action"):
        Tile("x", kind="action", url="/")
    with pytest.raises(TypeError):
        Tile("x", 1, "/url")  # everything after the value is named


def test_leaders_and_inspectors_start_at_the_command_dashboard(world):
    for role in ("leader", "inspector"):
        first = tiles_for(world.users[role])[0]
        assert (first.key, first.kind, first.url) == ("dashboard", "action", "/dashboard/")
    assert "dashboard" not in {t.key for t in tiles_for(world.users["office"])}
