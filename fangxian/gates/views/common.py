"""What the gate pages share: a service's ValidationError shown on its form."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
