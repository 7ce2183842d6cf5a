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
LAB_CHECK_DEADLINE = "plugin_lab_check"
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

        # -- deadlines (fangxian.deadlines) ---------------------------------------------------
        from datetime import timedelta

        from django.urls import reverse

        from fangxian.deadlines import recipients
        from fangxian.deadlines.registry import DeadlineKind, Step
        from fangxian.deadlines.registry import register as register_deadline
        from fangxian.org import selectors
        from fangxian.org.models import Place

        def lab_check_message(deadline, step):
            from django.utils.translation import gettext

            words = {"lab": deadline.target.name, "step": step.label}
            return gettext("Lab check of %(lab)s: %(step)s") % words, ""

        # A lab check: the lab's safety owner is reminded an hour before; at the due time it
        # escalates to the lab inspector posted above the lab, two hours later to the office.
        register_deadline(
            DeadlineKind(
                key=LAB_CHECK_DEADLINE,
                label=_("Lab check (test plugin)"),
                model=Place,
                steps=[
                    Step("remind", _("Reminder to the lab's safety owner"), -timedelta(hours=1), to=recipients.holders("lab_safety")),
                    Step("inspector", _("Escalated to the lab inspector"), timedelta(0), to=recipients.along(LAB_INSPECTOR)),
                    Step("office", _("Escalated to the prevention office"), timedelta(hours=2), to=recipients.office()),
                ],
                # The test plugin has no model of its own: a lab closed (archived) is done.
                is_done=lambda deadline: deadline.target.archived_at is not None,
                visible=lambda user: selectors.visible_places(user).filter(kind=Place.Kind.ROOM, use=Place.Use.LAB),
                url=lambda deadline: reverse("plugin_app:lab_detail", args=[deadline.object_id]),
                message=lab_check_message,
            )
        )
        # -- navigation and home tiles (fangxian.web.nav, fangxian.web.home) ---------------
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from .home import lab_tiles

        # Who sees the entry is who the view lets in (its require_roles): nothing to repeat.
        register(NavItem(NAV_LABS, _("Labs (test plugin)"), "plugin_app:lab_list", "building", group="duty", order=900))
        register_tiles(lab_tiles, order=900)
