"""Record logins, logouts, failures and lockouts; end the sessions of disabled accounts."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import client_ip, record_event

from .models import LoginSession

LOGIN_AT_KEY = "fangxian_login_at"


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is None:
        return
    request.session[LOGIN_AT_KEY] = timezone.now().timestamp()
    if not request.session.session_key:
        request.session.save()
    LoginSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )
    record_event(SecurityEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    from .throttle import login_failed

    username = str(credentials.get("username", ""))[:150]
    record_event(SecurityEvent.Kind.LOGIN_FAILED, request=request, username=username)
    login_failed(request, username)


@receiver(pre_save, sender=SecurityEvent)
def on_security_event(sender, instance, **kwargs):
    """Every reveal and export of any app is counted against its quotas before it is
    recorded; over the quota it raises RateLimited and the reveal or export does not happen."""
    from .throttle import check_disclosure

    if instance.pk is None and instance.kind in (SecurityEvent.Kind.REVEAL, SecurityEvent.Kind.EXPORT):
        check_disclosure(instance)


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    record_event(SecurityEvent.Kind.LOCKED_OUT, request=request, username=str(username or "")[:150])


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    if request is not None and request.session.session_key:
        LoginSession.objects.filter(session_key=request.session.session_key).delete()
    record_event(SecurityEvent.Kind.LOGOUT, request=request, user=user)


def end_sessions(user, *, keep: str | None = None) -> int:
    """Delete every session that a login of this user opened (except the one to `keep`)."""
    login_sessions = LoginSession.objects.filter(user=user)
    if keep:
        login_sessions = login_sessions.exclude(session_key=keep)
    keys = list(login_sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    LoginSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


@receiver(post_save, sender=get_user_model())
def on_user_saved(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        end_sessions(instance)
