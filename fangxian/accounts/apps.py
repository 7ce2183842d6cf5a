from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangxian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.demo import register_demo

        from . import demo, signals  # noqa: F401  (signals connects login/logout/lockout recording)
        from .models import AdminApproval

        auditlog.register(AdminApproval, exclude_fields=["password_hash"])
        register_demo("accounts", 10, demo.load, demo.LOGINS)
        _register_provisioning()


def _register_provisioning() -> None:
    from auditlog.registry import auditlog

    from .provision_models import ProvisionBatch

    auditlog.register(ProvisionBatch, exclude_fields=["slips"])  # ciphertext of the passwords

    from . import leavers

    leavers.connect()
