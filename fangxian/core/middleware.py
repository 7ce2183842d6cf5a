"""Cross-cutting HTTP middleware: request ids, security headers, the audit context, and the
short stack for stateless (bearer-token) views."""

from __future__ import annotations

import ipaddress
import re
import uuid
from contextvars import ContextVar
from functools import partial

from auditlog import get_logentry_model
from auditlog.cid import set_cid
from auditlog.context import _set_extra_data, auditlog_value
from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.db.models.signals import pre_save
from django.http import HttpResponseNotAllowed, JsonResponse

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


# -- health ---------------------------------------------------------------------------------

HEALTH_PATHS = ("/livez", "/readyz", "/healthz")


class HealthCheckMiddleware:
    """Answer the health checks before anything reads the Host header.

    Load balancers probe nodes by IP address, which ALLOWED_HOSTS refuses (400), and plain
    HTTP, which the HTTPS redirect would answer with 301: neither says whether the node
    works (the HTTPS redirect exempts these paths: SECURE_REDIRECT_EXEMPT). The checks read
    no session, cookie or user, so nothing after this is needed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        from . import health

        if path == "/livez":
            state = {"ok": True}
        elif path == "/readyz":
            state = health.readiness()
        else:
            state = health.health()
        response = JsonResponse(state, status=200 if state["ok"] else 503)
        response["Cache-Control"] = "no-store"
        return response


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


# -- stateless views ------------------------------------------------------------------------

STATELESS_PREFIX = "/api/"

# What a stateless view still needs from the stack that follows this middleware: the
# language of its messages, a Content-Length (without one the server sends the answer in
# chunks, in more writes), and the audit context (client address, request id) of any row
# it writes.
STATELESS_STACK = (
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "fangxian.core.middleware.AuditContextMiddleware",
)
# Paths answered before, per URL resolver: their stateless match, or None.
STATELESS_MATCHES_KEPT = 1024


def stateless(view):
    """Mark a view that reads no session and no cookie (a bearer-token API such as the gate
    devices'): StatelessShortcutMiddleware answers it without the session, user, message,
    second-factor and login-safety middlewares, which cost more than a small request."""
    view.stateless = True
    return view


class StatelessShortcutMiddleware:
    """Answer views marked @stateless under /api/ with a short stack.

    Sits after the middlewares every response needs (security headers, request id, frame
    options) and before the ones that only serve signed-in browsers. Anything else — another
    path, a URL that does not resolve, a view not marked — goes down the whole stack. The
    view is called as Django's handler calls it: resolver_match set, a lazy response
    rendered, exceptions turned into responses by the same wrapper."""

    def __init__(self, get_response):
        from django.core.handlers.exception import convert_exception_to_response
        from django.utils.module_loading import import_string

        self.get_response = get_response
        handler = convert_exception_to_response(self._view)
        for path in reversed(STATELESS_STACK):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._short = handler

    def __call__(self, request):
        if request.path_info.startswith(STATELESS_PREFIX):
            match = self._match(request.path_info)
            if match is not None:
                request.resolver_match = match
                return self._short(request)
        return self.get_response(request)

    @staticmethod
    def _match(path: str):
        """The path's match if its view is stateless, else None; remembered on the resolver
        (a new URLconf, as in tests, starts afresh)."""
        from django.urls import Resolver404, get_resolver

        resolver = get_resolver()
        known = resolver.__dict__.setdefault("_fangxian_stateless", {})
        if path in known:
            return known[path]
        try:
            match = resolver.resolve(path)
        except Resolver404:
            match = None
        if match is not None and not getattr(match.func, "stateless", False):
            match = None
        # Paths with parameters (an id each) are resolved each time rather than kept.
        if len(known) < STATELESS_MATCHES_KEPT and not (match and (match.args or match.kwargs)):
            known[path] = match
        return match

    @staticmethod
    def _view(request):
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()
        return response


# The one dispatch id of the receiver below (auditlog's own middleware makes a new one per
# request).
_AUDIT_CONTEXT_UID = ("fangxian.audit_context", 0)


class AuditContextMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with two differences:

    - The client's address is read as RequestIdMiddleware settled it (forwarding headers
      already weighed and removed) rather than by building request.headers on every request
      to look for them again.
    - auditlog connects a pre_save receiver at the start of every request and disconnects it
      at the end; each connect or disconnect also empties every model signal's cache of
      receivers, so that the next save of any model in any request looks them up again. Here
      one receiver is connected once, and a request only sets (and afterwards resets)
      the context that receiver reads: the actor, address, port and request id of the log
      entries it writes."""

    def __init__(self, get_response=None):
        super().__init__(get_response)
        pre_save.connect(
            partial(_set_extra_data, signal_duid=_AUDIT_CONTEXT_UID),
            sender=get_logentry_model(),
            dispatch_uid=_AUDIT_CONTEXT_UID,
            weak=False,
        )

    def __call__(self, request):
        set_cid(request)
        token = auditlog_value.set({**self.get_extra_data(request), "signal_duid": _AUDIT_CONTEXT_UID})
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)

    @staticmethod
    def _get_remote_addr(request):
        return None if settings.AUDITLOG_DISABLE_REMOTE_ADDR else request.META.get("REMOTE_ADDR")

    @staticmethod
    def _get_remote_port(request) -> int | None:
        port = request.META.get("HTTP_X_FORWARDED_PORT", "")
        return int(port) if port.isdigit() else None
