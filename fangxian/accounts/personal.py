"""The accounts' personal fields, and those of the login-safety tables this app configures
(django-axes, django-otp): see fangxian.core.personal."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields


def register() -> None:
    register_personal_fields(
        "accounts.User",
        PersonalField("username", Category.ACCOUNT, _("Sign in")),
        PersonalField("full_name", Category.IDENTITY, _("Name the account's holder")),
        PersonalField("first_name", Category.IDENTITY, _("Name the account's holder")),
        PersonalField("last_name", Category.IDENTITY, _("Name the account's holder")),
        PersonalField("email", Category.CONTACT, _("Send password resets and notifications")),
        not_personal=("is_staff",),  # Django's admin-site flag, not a person's employment
    )
    # Sign-in records: network logs (Cybersecurity Law: kept at least six months).
    register_personal_fields(
        "accounts.LoginSession",
        PersonalField("ip_address", Category.ACCOUNT, _("Show the user their sessions and end them"), Retention.MONTHS_6),
        PersonalField("user_agent", Category.ACCOUNT, _("Show the user their sessions and end them"), Retention.MONTHS_6),
        dated_by="created_at",
        owner="user",
    )
    # An API token's name is a label its owner chose for a device ("门卫平板"), not a person.
    register_personal_fields("accounts.ApiToken", not_personal=("name",))
    for label in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"):
        # The login-safety log is part of the network log: it is never purged by the
        # privacy job (purge="none"), only by its own maintenance after the audit retention.
        register_personal_fields(
            label,
            PersonalField("username", Category.ACCOUNT, _("Lock out password guessing"), Retention.AUDIT),
            PersonalField("ip_address", Category.ACCOUNT, _("Lock out password guessing"), Retention.AUDIT),
            PersonalField("user_agent", Category.ACCOUNT, _("Lock out password guessing"), Retention.AUDIT),
            dated_by="attempt_time",
            purge="none",
        )
    # A second-factor device's name is the label of an authenticator app, not a person.
    register_personal_fields("otp_totp.TOTPDevice", not_personal=("name",))
    register_personal_fields("otp_static.StaticDevice", not_personal=("name",))
