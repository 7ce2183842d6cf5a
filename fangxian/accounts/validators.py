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
