"""Answers while the database is down: 503 with a maintenance page for people and JSON for
the API and devices, instead of the generic server error.

Installed as Django's handler500, so that it sees an exception raised anywhere in the
stack (a middleware loading the session, a view, the stateless device stack), not only in
views. Devices treat a 503 as "offline" and queue their scans, which is what they should
do while the database is away.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.template.response import SimpleTemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(exc: BaseException | None) -> bool:
    """The database cannot be reached (or the connection broke), as opposed to a bug."""
    while exc is not None:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def wants_json(request) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "")
    return (
        request.path_info.startswith("/api/")
        or "HTTP_AUTHORIZATION" in request.META
        or ("application/json" in accept and "text/html" not in accept)
    )


def maintenance_response(request):
    message = _("The database is temporarily unavailable. Please try again in a moment.")
    if wants_json(request):
        response = JsonResponse({"detail": message, "code": "database_unavailable", "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        context = {"retry_after": RETRY_AFTER_SECONDS, "stylesheet": _stylesheet()}
        response = SimpleTemplateResponse("core/maintenance.html", context, status=503)
        response.render()
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _stylesheet() -> str | None:
    # The page must render even when collectstatic has not run on this node.
    from django.templatetags.static import static

    try:
        return static("vendor/bootstrap/css/bootstrap.min.css")
    except ValueError:
        return None


@requires_csrf_token
def server_error(request):
    """handler500: the maintenance answer for a database outage, the usual 500 page otherwise."""
    if is_database_outage(sys.exc_info()[1]):
        return maintenance_response(request)
    return HttpResponseServerError(loader.get_template("500.html").render())
