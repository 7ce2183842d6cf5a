"""Refusals as security events: every 403 and every 404 of a matched page or endpoint that
a signed-in user meets (an object outside their scope is a 404) is recorded, so that the
audit admin sees who probes what. Pages reach these through handler403/handler404
(fangxian/urls.py), the API through fangxian.api.exceptions."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.views import defaults

from .models import SecurityEvent
from .services import record_event

log = logging.getLogger(__name__)


def record_refusal(request, status: int) -> None:
    user = getattr(request, "user", None)
    # Only signed-in users and only matched URLs: a stranger's typo is not an event.
    if user is None or not user.is_authenticated or getattr(request, "resolver_match", None) is None:
        return
    try:
        record_event(
            SecurityEvent.Kind.REFUSED,
            request=request,
            status=status,
            method=request.method,
            path=request.path[:300],
            view=request.resolver_match.view_name,
        )
    except DatabaseError:  # the refusal is answered even when it cannot be recorded
        log.exception("could not record a refusal of %s", request.path)


def permission_denied(request, exception=None):
    record_refusal(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    record_refusal(request, 404)
    return defaults.page_not_found(request, exception)
