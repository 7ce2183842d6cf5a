from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "fangxian.ledger"
    label = "ledger"
    verbose_name = _("Student ledger")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role
        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import demo, providers
        from .models import (
            BedSpell,
            Category,
            LedgerEntry,
            MoveItem,
            MovePlan,
            StatusSpell,
            StayApplication,
            StayPeriod,
            StayReason,
            StudentTag,
        )
        from .views import home_tiles

        # The history tables (spells, bed history) are registered too: an edit of history by
        # hand must leave a trace. Bulk writes (import, demo) are recorded as import events.
        for model in (StayPeriod, StayReason, Category, MovePlan, MoveItem, LedgerEntry, StatusSpell, BedSpell, StudentTag):
            auditlog.register(model)
        auditlog.register(StayApplication, mask_fields=["emergency_phone", "parent_phone"])

        staff_roles = {Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN, Role.COUNSELOR}
        register(NavItem("ledger", _("Stay ledger"), "ledger:list", "journal-bookmark", roles=staff_roles, order=30))
        register(NavItem("ledger-mine", _("My students"), "ledger:mine", "phone", roles={Role.COUNSELOR}, order=31))
        register(
            NavItem(
                "ledger-approvals",
                _("Stay approvals"),
                "ledger:approvals",
                "check2-square",
                roles={Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE},
                order=32,
            )
        )
        register(
            NavItem(
                "ledger-moves",
                _("Dorm moves"),
                "ledger:moves",
                "arrow-left-right",
                roles={Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE},
                order=33,
            )
        )
        register(NavItem("ledger-apply", _("Stay application"), "ledger:apply", "house-check", roles={Role.STUDENT}, order=34))
        register_tiles(home_tiles)
        register_demo("ledger", 30, demo.load, demo.LOGINS)
        providers.connect()
