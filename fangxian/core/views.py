"""Helpers every app's pages share: a service's ValidationError shown on a form or as one
line, and the `next` URL a page may safely redirect to. (Ids and dates from a request,
`?day=` included: fangxian.core.params.)"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme


def form_errors(form, exc: ValidationError, *, non_field: Iterable[str] = ()) -> None:
    """Show a service's ValidationError on `form`: each message beside the field it names
    when the form has that field (and the field is not in `non_field`, e.g. one the form
    only carries hidden), else above the form."""
    if hasattr(exc, "error_dict"):
        keep_above = set(non_field)
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields and field not in keep_above else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: ValidationError) -> str:
    """A ValidationError as one line, for messages.error after an action without a form."""
    return " ".join(str(message) for message in exc.messages)


def safe_next(request, default: str = "") -> str:
    """The `next` URL the request carries (the form's, else the query's) when it leads to
    this site; else `default` (a URL). Redirect to nothing else after a login or an action:
    an outside `next` would send the user wherever a crafted link said."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default
