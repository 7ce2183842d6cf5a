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
        from .home import home_tiles
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

        # The history tables (spells, bed history) are registered too: an edit of history by
        # hand must leave a trace. Bulk writes (import, demo) are recorded as import events.
        for model in (StayPeriod, StayReason, Category, MovePlan, MoveItem, LedgerEntry, StatusSpell, BedSpell, StudentTag):
            auditlog.register(model)
        auditlog.register(StayApplication, mask_fields=["emergency_phone", "parent_phone"])

        # Roles come from the views; `roles=` narrows an entry to those whose work it is.
        register(NavItem("ledger-mine", _("My students"), "ledger:mine", "phone", group="students", roles={Role.COUNSELOR}, order=10))
        register(NavItem("ledger", _("Stay ledger"), "ledger:list", "journal-bookmark", group="students", order=20))
        deciders = {Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE}
        register(
            NavItem(
                "ledger-approvals", _("Stay approvals"), "ledger:approvals", "check2-square", group="students", roles=deciders, order=30
            )
        )
        register(NavItem("ledger-moves", _("Dorm moves"), "ledger:moves", "arrow-left-right", group="students", order=40))
        register(NavItem("ledger-apply", _("Stay application"), "ledger:apply", "house-check", group="students", order=50))
        register_tiles(home_tiles, order=30)
        register_demo("ledger", 30, demo.load, demo.LOGINS)
        providers.connect()
        from .supervision import register_rules as register_supervision_rules

        register_supervision_rules()  # the supervision desk's daily derivation (fangxian.core.supervision)

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)
        from . import exports

        exports.register()  # the export's unmasked request (fangxian.core.exports)
