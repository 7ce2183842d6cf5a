"""The test plugin's nav entry and home tile, registered from its own apps.py: the menu puts
the entry in its group for the roles its view lets in, and the home page shows the tile."""

from fangxian.accounts.roles import Role, roles_of
from fangxian.tests.plugin_app.apps import NAV_LABS
from fangxian.tests.plugin_app.home import LAB_TILE
from fangxian.web import nav
from fangxian.web.home import tiles_for


def _menu(roles) -> dict[str, list[str]]:
    return {group.key: [item.key for item in items] for group, items in nav.groups_for(frozenset(roles))}


def test_the_plugin_entry_sits_in_its_group_for_the_roles_its_view_lets_in():
    assert nav.allowed_roles(nav._items[NAV_LABS]) == {Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.STAFF}
    assert NAV_LABS in _menu({Role.PREVENTION_OFFICE})["duty"]
    assert NAV_LABS not in sum(_menu({Role.STUDENT}).values(), [])


def test_the_home_page_shows_the_plugin_tile_and_it_opens(uni, client):
    client.force_login(uni.counselor_user)
    assert Role.STAFF in roles_of(uni.counselor_user)
    html = client.get("/").content.decode()
    assert f'data-tile="{LAB_TILE}"' in html and 'data-nav="plugin_labs"' in html
    tile = next(t for t in tiles_for(uni.counselor_user) if t.key == LAB_TILE)
    assert tile.value == 0 and client.get(tile.url).status_code == 200
    assert LAB_TILE not in {t.key for t in tiles_for(uni.student_user)}
