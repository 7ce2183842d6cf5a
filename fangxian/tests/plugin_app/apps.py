"""A feature app that exists only in the test suite (fangxian/settings_test.py installs it).

It plugs into the core the way a new module must: every registration below is made from
this ready() alone, without a line in org or accounts. Tests in ./tests check that the
coverage page, the assignment form, scope and the authorization matrix pick them up.
Keep one block per registry, each with its own imports.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The keys this app registers (tests import them from here).
LAB_INSPECTOR = "plugin_lab_inspector"
LAB_WATCH_RULE = "plugin_lab_watch"
NAV_LABS = "plugin_labs"


class PluginAppConfig(AppConfig):
    name = "fangxian.tests.plugin_app"
    label = "plugin_app"
    verbose_name = _("Test plugin")

    def ready(self) -> None:
        # -- assignment roles (fangxian.org.registry) --------------------------------------
        from fangxian.accounts.roles import Role
        from fangxian.org.registry import AssignmentRoleSpec, places_within, register_assignment_role

        register_assignment_role(
            AssignmentRoleSpec(
                LAB_INSPECTOR,
                _("Lab inspector (test plugin)"),
                Role.STAFF,
                place_kinds=("campus", "building"),
                # Posted to a campus: all the labs of that campus, nothing else of it.
                scope=places_within(kinds=("room",), uses=("lab",), held_on=("campus", "building")),
                order=900,
            )
        )

        # -- coverage rules (fangxian.org.coverage) ----------------------------------------
        from fangxian.org.coverage import CalendarRule, register_coverage_rule

        register_coverage_rule(CalendarRule(LAB_WATCH_RULE, _("Days without a lab inspector (test plugin)"), LAB_INSPECTOR, order=900))

        # -- navigation and home tiles (fangxian.web.nav, fangxian.web.home) ---------------
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from .home import lab_tiles

        # Who sees the entry is who the view lets in (its require_roles): nothing to repeat.
        register(NavItem(NAV_LABS, _("Labs (test plugin)"), "plugin_app:lab_list", "building", group="duty", order=900))
        register_tiles(lab_tiles, order=900)
