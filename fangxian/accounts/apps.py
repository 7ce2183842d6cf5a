from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangxian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from fangxian.core.demo import register_demo

        from . import demo, signals  # noqa: F401  (signals connects login/logout/lockout recording)

        register_demo("accounts", 10, demo.load, demo.LOGINS)
        _register_provisioning()


def _register_provisioning() -> None:
    from auditlog.registry import auditlog

    from .provision_models import ProvisionBatch
    from .sso_models import SsoPolicy

    auditlog.register(ProvisionBatch, exclude_fields=["slips"])  # ciphertext of the passwords
    auditlog.register(SsoPolicy)

    from . import leavers, sso  # noqa: F401  (sso connects the LDAP error message)

    leavers.connect()
