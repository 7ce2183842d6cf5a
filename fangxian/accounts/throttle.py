"""Rate limits and quotas, counted in the Django cache (LocMem on one machine, Redis on
several: both have atomic add/incr).

Limits are per address, per account, or both, in fixed windows. A refusal raises
RateLimited, which answers 429 with a Chinese message: DRF handles it in the API (it is a
DRF Throttled), RateLimitMiddleware on pages. Where the limit is checked:

- sign-in: failures and distinct failed usernames per address, failures per account across
  all addresses (LoginView, the failure signal), sparing addresses the account signed in
  from lately;
- reveals and exports of personal data: every SecurityEvent of kind REVEAL or EXPORT passes
  `check_disclosure` before it is written (a pre_save signal), so each reveal and export of
  any app is counted without the app knowing;
- anonymous forms (the gates' visitor request): `hit_anonymous_form(request, "name")`;
- password reset requests: `hit_password_reset(request, login)`.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.exceptions import PermissionDenied, Throttled


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


DEFAULT_LIMITS = {
    # Campus networks put a dormitory behind one address: the per-address limits count only
    # failures and are loose; the username spraying limit is not.
    "login_address_failures": Limit(60, 5 * 60),
    "login_usernames_per_address": Limit(10, 15 * 60),
    # Failures of one account from every address together (a spread-out guess). Addresses the
    # account signed in from lately are not held back by it, so a stranger cannot lock the
    # office out from elsewhere.
    "login_account_failures": Limit(30, 15 * 60),
    "reveal_minute": Limit(20, 60),
    "reveal_day": Limit(200, 24 * 3600),
    "export_minute": Limit(6, 60),
    "export_day": Limit(60, 24 * 3600),
    # Password reset requests: per address (429), and per login whatever exists (beyond it
    # the same answer is given and nothing is sent: no flood of mails or admin notices).
    "password_reset_address": Limit(10, 15 * 60),
    "password_reset_login": Limit(3, 60 * 60),
    "anonymous_form_address": Limit(5, 10 * 60),
    "anonymous_form_address_day": Limit(30, 24 * 3600),
}


def limit(name: str) -> Limit:
    override = getattr(settings, "FANGXIAN_RATE_LIMITS", {}).get(name)
    if override is not None:
        return Limit(*override)
    return DEFAULT_LIMITS[name]


class RateLimited(Throttled):
    """429 with a Chinese message that says what was limited and when to try again."""

    def __init__(self, what: str, *, wait: int, rule: str):
        self.rule = rule
        self.what = what
        minutes = max(1, math.ceil(wait / 60))
        message = ngettext(
            "Too many %(what)s. Please try again in %(minutes)d minute.",
            "Too many %(what)s. Please try again in %(minutes)d minutes.",
            minutes,
        ) % {"what": what, "minutes": minutes}
        super().__init__(wait=wait, detail=message)


# Bumped by `forget_counters` (tests start each case afresh): old counters are then never
# read again, without flushing a cache that other processes may share.
_generation = 0


def forget_counters() -> None:
    global _generation
    _generation += 1


def _key(rule: str, *parts) -> str:
    raw = "|".join(str(p) for p in parts)
    # Usernames and addresses may hold anything; the cache key must be short and safe.
    return f"fx:rl{_generation}:{rule}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def _window(seconds: int) -> tuple[int, int]:
    """The current fixed window's number and the seconds left in it."""
    now = int(time.time())
    return now // seconds, seconds - now % seconds


def count(rule: str, *parts, add: int = 1) -> tuple[int, int]:
    """Add `add` to the counter of `rule` for `parts`; return (new count, seconds left)."""
    lim = limit(rule)
    window, left = _window(lim.seconds)
    key = _key(rule, window, *parts)
    if add == 0:
        return int(cache.get(key, 0)), left
    cache.add(key, 0, lim.seconds + 1)
    try:
        value = cache.incr(key, add)
    except ValueError:  # expired between add and incr
        cache.add(key, add, lim.seconds + 1)
        value = add
    return value, left


def over(rule: str, *parts) -> tuple[bool, int]:
    value, left = count(rule, *parts, add=0)
    return value >= limit(rule).count, left


def hit(rule: str, *parts, what: str) -> None:
    """Count one use; raise RateLimited when the limit is passed."""
    value, left = count(rule, *parts)
    if value > limit(rule).count:
        raise RateLimited(what, wait=left, rule=rule)


def _members_key(rule: str, *parts) -> str:
    window, _left = _window(limit(rule).seconds)
    return _key(rule, window, *parts)


def _digest(member: str) -> str:
    return hashlib.sha256(member.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------
# Sign-in


def check_login(request, username: str) -> None:
    """Before a sign-in attempt: refuse with 429 when this address or this account is over
    its limit. Past the spraying limit an address may still retry the usernames it already
    tried (the pair lock of django-axes bounds those) and those that signed in from it lately."""
    address = request.META.get("REMOTE_ADDR", "")
    username = username.strip().lower()
    blocked, left = over("login_address_failures", address)
    if blocked and not _known_address(username, address):
        raise RateLimited(_("failed sign-ins from this address"), wait=left, rule="login_address_failures")
    spray = limit("login_usernames_per_address")
    tried = cache.get(_members_key("login_usernames_per_address", address), ())
    if len(tried) >= spray.count and _digest(username) not in tried and not _known_address(username, address):
        _window_no, left = _window(spray.seconds)
        raise RateLimited(_("different usernames tried from this address"), wait=left, rule="login_usernames_per_address")
    if not username:
        return
    blocked, left = over("login_account_failures", username)
    if blocked and not _known_address(username, address):
        raise RateLimited(_("failed sign-ins for this account"), wait=left, rule="login_account_failures")


def login_failed(request, username: str) -> None:
    if request is None:
        return
    address = request.META.get("REMOTE_ADDR", "")
    username = username.strip().lower()
    count("login_address_failures", address)
    count("login_account_failures", username)
    spray = limit("login_usernames_per_address")
    key = _members_key("login_usernames_per_address", address)
    tried = set(cache.get(key, ()))
    if _digest(username) not in tried and len(tried) < spray.count:
        tried.add(_digest(username))
        cache.set(key, tuple(tried), spray.seconds + 1)


def _known_address(username: str, address: str) -> bool:
    """Has this account signed in from this address in the last 30 days?"""
    from datetime import timedelta

    from django.utils import timezone

    from fangxian.audit.models import SecurityEvent

    if not address:
        return False
    return SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN, username__iexact=username, ip_address=address, at__gte=timezone.now() - timedelta(days=30)
    ).exists()


# ---------------------------------------------------------------------------
# Reveals, exports, anonymous forms


def check_disclosure(event) -> None:
    """Count a reveal or an export about to be recorded; refuse it over the quota."""
    from fangxian.audit.models import SecurityEvent

    who = event.user_id or event.username or event.ip_address
    if not who:
        return  # a job without a user: nothing to hold back
    if event.kind == SecurityEvent.Kind.REVEAL:
        what = _("reveals of personal data")
        hit("reveal_minute", who, what=what)
        hit("reveal_day", who, what=what)
    elif event.kind == SecurityEvent.Kind.EXPORT:
        what = _("exports")
        hit("export_minute", who, what=what)
        hit("export_day", who, what=what)
        _check_export_size(event)


class ExportNeedsApproval(PermissionDenied):
    """403: an export over the security policy's size, until the security admin approves it.
    The request is written by whoever answers (after the refused export rolled back)."""

    def __init__(self, *, user_id: int, export: str, rows: int, limit_rows: int):
        self.user_id, self.export, self.rows = user_id, export, rows
        super().__init__(
            _(
                "This export holds %(rows)d rows; exports of more than %(limit)d rows need the security administrator's "
                "approval. A request has been sent; export again once it is approved."
            )
            % {"rows": rows, "limit": limit_rows}
        )


def _check_export_size(event) -> None:
    from django.utils import timezone

    from .models import ExportApproval, SecurityPolicy

    rows = event.detail.get("rows") if isinstance(event.detail, dict) else None
    if not isinstance(rows, int) or event.user_id is None:
        return
    limit_rows = SecurityPolicy.current().export_approval_rows
    if rows <= limit_rows:
        return
    export = str(event.detail.get("export") or event.detail.get("what") or "export")[:100]
    approved = (
        ExportApproval.objects.filter(
            user_id=event.user_id,
            export=export,
            status=ExportApproval.Status.APPROVED,
            rows__gte=rows,
            decided_at__gte=timezone.now() - ExportApproval.LIFETIME,
        )
        .order_by("decided_at")
        .first()
    )
    if approved is not None:
        ExportApproval.objects.filter(pk=approved.pk).update(status=ExportApproval.Status.USED)
        event.detail["approval"] = approved.pk
        return
    raise ExportNeedsApproval(user_id=event.user_id, export=export, rows=rows, limit_rows=limit_rows)


def request_export_approval(request, exc: ExportNeedsApproval) -> None:
    """After the refused export rolled back: one pending request per user and export."""
    from fangxian.audit.models import SecurityEvent
    from fangxian.audit.services import record_event

    from .models import ExportApproval

    pending = ExportApproval.objects.filter(user_id=exc.user_id, export=exc.export, status=ExportApproval.Status.PENDING).first()
    if pending is None:
        pending = ExportApproval.objects.create(user_id=exc.user_id, export=exc.export, rows=exc.rows)
    elif pending.rows < exc.rows:
        ExportApproval.objects.filter(pk=pending.pk).update(rows=exc.rows)
    record_event(SecurityEvent.Kind.APPROVAL_REQUESTED, request=request, action="export", export=exc.export, rows=exc.rows)


def hit_anonymous_form(request, form: str) -> None:
    """Count one anonymous submission of a form that needs no account, per address (a
    signed-in user is known and accountable, and not counted)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return
    address = request.META.get("REMOTE_ADDR", "")
    what = _("requests from this address")
    hit("anonymous_form_address", form, address, what=what)
    hit("anonymous_form_address_day", form, address, what=what)


def hit_password_reset(request, login: str) -> bool:
    """Count one password reset request. Over the per-address limit: RateLimited (429).
    Over the per-login limit (counted for any login, existing or not, so the answer tells
    nothing): False, and the caller sends nothing but answers as always."""
    address = request.META.get("REMOTE_ADDR", "")
    hit("password_reset_address", address, what=_("password reset requests from this address"))
    value, left = count("password_reset_login", login.strip().lower())
    if value > limit("password_reset_login").count:
        from fangxian.accounts.middleware import record_rate_limited

        record_rate_limited(request, RateLimited(_("password reset requests"), wait=left, rule="password_reset_login"))
        return False
    return True
