"""The audit log's personal fields: security events and django-auditlog's change log (this
app keeps both append-only). Their retention is the audit's own (`manage.py audit_purge`,
never younger than six months): the privacy job never deletes them (purge="none")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangxian.core.personal import Category, PersonalField, Retention, register_personal_fields


def _not_in_own_view(person):
    """A user's log rows name the people whose data they handled: not part of the user's own
    data (their sign-ins are shown from accounts.LoginSession)."""
    return None


def register() -> None:
    purpose = _("Prove who did what, when and from where (audit)")
    register_personal_fields(
        "audit.SecurityEvent",
        PersonalField("username", Category.ACCOUNT, purpose, Retention.AUDIT),
        PersonalField("ip_address", Category.ACCOUNT, purpose, Retention.AUDIT),
        PersonalField("user_agent", Category.ACCOUNT, purpose, Retention.AUDIT),
        PersonalField("detail", Category.NOTE, purpose, Retention.AUDIT),
        dated_by="at",
        purge="none",
        owner=_not_in_own_view,
    )
    register_personal_fields(
        "auditlog.LogEntry",
        PersonalField("object_repr", Category.NOTE, purpose, Retention.AUDIT),
        PersonalField("changes", Category.NOTE, purpose, Retention.AUDIT),
        PersonalField("changes_text", Category.NOTE, purpose, Retention.AUDIT),
        PersonalField("serialized_data", Category.NOTE, purpose, Retention.AUDIT),
        PersonalField("remote_addr", Category.ACCOUNT, purpose, Retention.AUDIT),
        PersonalField("actor_email", Category.CONTACT, purpose, Retention.AUDIT),
        PersonalField("additional_data", Category.NOTE, purpose, Retention.AUDIT),
        dated_by="timestamp",
        purge="none",
        owner=_not_in_own_view,
    )
