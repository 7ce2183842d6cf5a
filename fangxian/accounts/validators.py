from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class InstitutionNameValidator:
    """Refuse passwords that contain the institution's or the platform's name."""

    def _names(self) -> list[str]:
        names = [settings.INSTITUTION_NAME, "fangxian", "防线"]
        return [n.lower() for n in names if n]

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        for name in self._names():
            if name in lowered:
                raise ValidationError(
                    _("The password must not contain the name of the institution or of the platform."),
                    code="password_contains_institution",
                )

    def get_help_text(self) -> str:
        return _("Your password must not contain the name of the institution or of the platform.")


class PasswordHistoryValidator:
    """Refuse the current password and the last `count` earlier ones; remember each new one."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password: str, user=None) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import check_password

        if user is None or user.pk is None:
            return
        hashes = list(user.password_history.values_list("password", flat=True)[: self.count])
        stored = get_user_model().objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if stored:
            hashes.append(stored)
        if any(check_password(password, h) for h in hashes if h):
            raise ValidationError(
                _("The password must differ from your current one and from the last %(count)d.") % {"count": self.count},
                code="password_reused",
            )

    def password_changed(self, password: str, user=None) -> None:
        # Called by Django after a new password is saved; user.password is its hash now.
        if user is None or user.pk is None:
            return
        remember_password(user, user.password, keep=self.count)

    def get_help_text(self) -> str:
        return _("Your password must differ from your last %(count)d passwords.") % {"count": self.count}


def remember_password(user, password_hash: str, *, keep: int | None = None) -> None:
    from .models import PasswordHistory

    if not password_hash or not user.has_usable_password():
        return
    keep = keep or _history_count()
    PasswordHistory.objects.create(user=user, password=password_hash)
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def _history_count() -> int:
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        if validator["NAME"].endswith("PasswordHistoryValidator"):
            return validator.get("OPTIONS", {}).get("count", 5)
    return 5


class PrivilegedPasswordValidator:
    """Accounts of roles that need a second factor (admins, the prevention office, leaders,
    discipline inspection, college admins) also need a longer password of at least three
    kinds of characters (upper case, lower case, digits, symbols): the checklist's complexity
    for privileged accounts."""

    def __init__(self, min_length: int = 14, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None or not _privileged(user):
            return
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if len(password) < self.min_length or classes < self.min_classes:
            raise ValidationError(
                _(
                    "An account with administrative or school-wide rights needs a password of at least %(length)d "
                    "characters with at least %(classes)d of: upper case, lower case, digits, symbols."
                )
                % {"length": self.min_length, "classes": self.min_classes},
                code="password_too_simple_for_role",
            )

    def get_help_text(self) -> str:
        return _(
            "Administrative and school-wide accounts need at least %(length)d characters with at least %(classes)d of: "
            "upper case, lower case, digits, symbols."
        ) % {"length": self.min_length, "classes": self.min_classes}


def _privileged(user) -> bool:
    from .roles import PRIVILEGED_ROLES, SECOND_FACTOR_EXTRA_ROLES, raw_roles_of

    # Every role that may need the second factor, in production or not: the password rule
    # does not depend on the deployment mode.
    return bool(raw_roles_of(user) & (PRIVILEGED_ROLES | SECOND_FACTOR_EXTRA_ROLES))
