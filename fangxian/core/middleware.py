"""Cross-cutting HTTP middleware: request ids and security headers."""

from __future__ import annotations

import ipaddress
import re
import uuid
from contextvars import ContextVar

from django.conf import settings

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# No page loads anything from outside the server; htmx's indicator styles are switched off
# in base.html so that no inline <style> is needed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


_request_id: ContextVar[str | None] = ContextVar("fangxian_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being answered (auditlog's correlation id), None outside one."""
    return _request_id.get()


def _client_address(meta: dict) -> str:
    """The client's address. Behind FANGXIAN_PROXY_COUNT trusted proxies it is the entry
    that the outermost trusted proxy appended to X-Forwarded-For; anything further left
    was written by the client and proves nothing."""
    proxies = settings.FANGXIAN_PROXY_COUNT
    remote = meta.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


class RequestIdMiddleware:
    """Give every request an id (kept from a well-formed X-Request-ID header) and settle
    the client's address.

    The id is echoed in the response, written to every audit row of the request
    (auditlog reads it as its correlation id) and to security events.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.request_id = request_id
        # One client address for everything that records it (security events, auditlog,
        # axes): REMOTE_ADDR, corrected behind trusted proxies; the forwarding header is
        # removed so that no library reads the part a client can forge.
        request.META["REMOTE_ADDR"] = _client_address(request.META)
        request.META.pop("HTTP_X_FORWARDED_FOR", None)
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """CSP on every response; no-store on everything a signed-in user sees.

    Pages behind login may carry personal data, so none of them may stay in a browser or
    proxy cache. Static files are served by WhiteNoise before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        if settings.DEBUG:
            response.setdefault("X-Fangxian-Debug", "1")
        return response
