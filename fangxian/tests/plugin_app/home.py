"""The plugin's home tile: the labs a reader may see (one counted query)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangxian.accounts.roles import roles_of
from fangxian.core.tiles import Tile

from .views import READERS, _labs

LAB_TILE = "plugin-labs"


def lab_tiles(user) -> list[Tile]:
    if not roles_of(user) & set(READERS):
        return []
    return [Tile(_("Labs (test plugin)"), _labs(user).count(), url=reverse("plugin_app:lab_list"), key=LAB_TILE)]
