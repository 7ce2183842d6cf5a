from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "fangxian.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from .selectors import unread_tiles

        register(NavItem("notifications", _("Notifications"), "notify:list", "bell", group="personal", order=10))
        register_tiles(unread_tiles, order=90)

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)
