"""Sign-in through CAS, and the security admin's single sign-on page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.views import safe_next

from .access import require_roles
from .forms import LoginForm
from .middleware import SSO_SECOND_FACTOR_KEY
from .roles import Role
from .sso import cas_enabled, cas_single_sign_out, ldap_enabled, remember_cas_ticket, sso_enabled
from .sso_models import SsoPolicy


def _next(request) -> str:
    return safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))


def _service(request, next_url: str) -> str:
    # The same URL when sending the user to CAS and when validating the ticket it returns.
    return request.build_absolute_uri(f"{reverse('accounts:cas_login')}?{urlencode({'next': next_url})}")


@csrf_exempt  # the CAS server's back-channel logout request (below) carries no CSRF token
def cas_login(request):
    """Without a ticket: off to the CAS server. With one: validate it and sign in. A POST
    with a logoutRequest: the CAS server's single sign-out, which ends that sign-in's session."""
    if not cas_enabled():
        raise Http404
    if request.method == "POST":
        if "logoutRequest" not in request.POST:
            return HttpResponseNotAllowed(["GET"])
        cas_single_sign_out(request.POST["logoutRequest"][:10000], request=request)
        return HttpResponse(status=200)
    next_url = _next(request)
    service = _service(request, next_url)
    ticket = request.GET.get("ticket")
    if not ticket:
        return redirect(f"{settings.CAS_SERVER_URL}/login?{urlencode({'service': service})}")
    user = authenticate(request, cas_ticket=ticket, cas_service=service)
    if user is None:
        form = LoginForm(request)
        return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=403)
    login(request, user)
    remember_cas_ticket(request.session.session_key, ticket)
    asserted = getattr(user, "sso_second_factor", "")
    if asserted:
        # The CAS server says the person used a second factor there: this session counts
        # as past it (middleware.needs_second_factor), and the security log says how.
        request.session[SSO_SECOND_FACTOR_KEY] = {"user": user.pk, "source": "cas", "value": asserted}
        record_event(
            SecurityEvent.Kind.TOTP_VERIFIED, request=request, user=user, sso="cas", attribute=settings.CAS_MFA_ATTRIBUTE, value=asserted
        )
    return redirect(next_url)


@require_roles(Role.SECURITY_ADMIN)
def sso_settings(request):
    policy = SsoPolicy.current()
    if request.method == "POST":
        if not sso_enabled():
            messages.error(request, _("No single sign-on is configured; set the FANGXIAN_CAS_* or FANGXIAN_LDAP_* variables first."))
            return redirect("accounts:sso_settings")
        policy.required = request.POST.get("required") == "1"
        policy.changed_by = request.user
        policy.changed_at = timezone.now()
        policy.save()
        record_event(SecurityEvent.Kind.ROLE_GRANTED, request=request, what="sso policy", required=policy.required)
        messages.success(request, _("The single sign-on policy has been saved."))
        return redirect("accounts:sso_settings")
    return render(
        request,
        "accounts/sso/settings.html",
        {
            "policy": policy,
            "cas_url": settings.CAS_SERVER_URL if cas_enabled() else "",
            "cas_version": settings.CAS_VERSION,
            "cas_mfa_attribute": settings.CAS_MFA_ATTRIBUTE if cas_enabled() else "",
            "cas_mfa_values": "、".join(settings.CAS_MFA_VALUES),
            "ldap_uri": settings.AUTH_LDAP_SERVER_URI if ldap_enabled() else "",
            "enabled": sso_enabled(),
        },
    )
