from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangxian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from fangxian.core.caches import register_cache
        from fangxian.core.demo import register_demo

        from . import demo, signals, throttle  # noqa: F401  (signals connects login/logout/lockout recording)
        from .models import AdminApproval, ApiToken, ExportApproval, PasswordHistory, RoleGrant, SecurityPolicy

        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
        auditlog.register(RoleGrant)
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
        auditlog.register(AdminApproval, exclude_fields=["password_hash"])
        auditlog.register(PasswordHistory, exclude_fields=["password"])
        auditlog.register(SecurityPolicy)
        auditlog.register(ExportApproval)
        register_demo("accounts", 10, demo.load, demo.LOGINS)
        register_cache(throttle.forget_counters)
        _register_provisioning()

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)


def _register_provisioning() -> None:
    from auditlog.registry import auditlog

    from .provision_models import ProvisionBatch
    from .sso_models import SsoPolicy

    auditlog.register(ProvisionBatch, exclude_fields=["slips"])  # ciphertext of the passwords
    auditlog.register(SsoPolicy)

    from . import leavers, sso  # noqa: F401  (sso connects the LDAP error message)

    leavers.connect()
