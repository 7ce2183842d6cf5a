"""Campus single sign-on (统一身份认证): CAS 2.0/3.0 and LDAP bind, switched on by settings
read from the environment (FANGXIAN_CAS_* and FANGXIAN_LDAP_*, see settings.py).

Whoever signs in through SSO is mapped to a person of the organisation by staff or student
number: the CAS user or LDAP uid, or the attribute named in the settings where the server
sends one. A person's own account is used (one is created, linked to the person, when the
person has none yet); a sign-in that names no person is refused with a message, never given
a blank account. Disabled accounts (leavers) are refused.

Local passwords remain for the admins (accounts holding a system role) and wherever SSO is
not required; the security admin may require SSO for everyone else (SsoPolicy). The
second factor of privileged roles is asked after SSO as after a password
(LoginSafetyMiddleware), unless the CAS server asserts that the person used one: the
attribute FANGXIAN_CAS_MFA_ATTRIBUTE carries one of FANGXIAN_CAS_MFA_VALUES (CAS 3.0
attributes of the validated ticket). That sign-in's session then counts as past the second
factor (middleware.sso_second_factor); an LDAP bind never asserts one.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode

from defusedxml import DefusedXmlException, ElementTree
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from .models import User
from .sso_models import SsoPolicy

log = logging.getLogger(__name__)
CAS_NS = {"cas": "http://www.yale.edu/tp/cas"}
CAS_TIMEOUT = 5  # seconds


def cas_enabled() -> bool:
    return bool(getattr(settings, "CAS_SERVER_URL", ""))


def ldap_enabled() -> bool:
    return bool(getattr(settings, "AUTH_LDAP_SERVER_URI", ""))


def sso_enabled() -> bool:
    return cas_enabled() or ldap_enabled()


def sso_required() -> bool:
    return sso_enabled() and SsoPolicy.current().required


def may_use_local_password(user) -> bool:
    """Admins (a system role) always; everyone else unless SSO is required."""
    return user.role_grants.exists() or not sso_required()


def _say(request, level, text: str) -> None:
    if request is not None and hasattr(request, "_messages"):
        messages.add_message(request, level, text)


# -- mapping a signed-in identity to an account ------------------------------------------


class NoPerson(Exception):
    pass


def account_for_number(number: str, *, source: str, request=None) -> User | None:
    """The account of the person with this staff or student number; None (with a message
    for the login page) when there is no such person or the account is disabled."""
    from fangxian.org.models import Staff, Student

    number = (number or "").strip()
    people = [*Staff.objects.filter(staff_number=number), *Student.objects.filter(student_number=number)] if number else []
    if len(people) != 1:
        record_event(SecurityEvent.Kind.LOGIN_FAILED, request=request, username=number[:150], sso=source, reason="no person")
        if len(people) > 1:
            text = _("Several people have the number %(number)s; ask the security administrator to correct the data.")
        else:
            text = _(
                "The unified identity account %(number)s matches no staff member or student here. "
                "Ask your unit's administrator to add you to the platform."
            )
        _say(request, messages.ERROR, text % {"number": number})
        return None
    person = people[0]
    user = User.objects.filter(pk=person.user_id).first() if person.user_id else None
    if user is None:
        user = _account_for_person(person, number, source)
        if user is None:
            _say(
                request,
                messages.ERROR,
                _("The login %(number)s is used by another account; ask the security administrator.") % {"number": number},
            )
            return None
    if not user.is_active:
        _say(request, messages.ERROR, _("This account is disabled."))
        return None
    return user


def _account_for_person(person, number: str, source: str) -> User | None:
    """The person's first sign-in through SSO: their account, linked, without a password."""
    if User.objects.filter(username__iexact=number).exists():
        return None
    try:
        with transaction.atomic():
            user = User(username=number, full_name=person.name[:100])
            user.set_unusable_password()
            user.save()
            updated = type(person).objects.filter(pk=person.pk, user__isnull=True).update(user=user)
            if updated != 1:
                raise IntegrityError("linked meanwhile")
    except IntegrityError:
        person.refresh_from_db()
        return User.objects.filter(pk=person.user_id).first()
    record_event(SecurityEvent.Kind.IMPORT, user=None, username=number, what="accounts", created=1, sso=source)
    return user


# -- backends --------------------------------------------------------------------------


class SsoPolicyBackend(ModelBackend):
    """Placed before ModelBackend: when SSO is required, a right local password of someone
    who is not an admin stops the sign-in with a message to use SSO. A wrong password is
    left to ModelBackend, so the answer does not tell whether the login exists."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None or not sso_required():
            return None
        user = User._default_manager.filter(username=username).first()
        if user is None or may_use_local_password(user) or not user.check_password(password):
            return None
        _say(request, messages.ERROR, _("Sign in with the unified identity authentication (统一身份认证)."))
        raise PermissionDenied


class CasBackend(ModelBackend):
    """Validates a CAS service ticket against the CAS server (CAS 2.0 /serviceValidate or
    CAS 3.0 /p3/serviceValidate with attributes)."""

    def authenticate(self, request, cas_ticket=None, cas_service=None, **kwargs):
        if not cas_ticket or not cas_service or not cas_enabled():
            return None
        path = "/p3/serviceValidate" if settings.CAS_VERSION == "3" else "/serviceValidate"
        url = f"{settings.CAS_SERVER_URL}{path}?{urlencode({'service': cas_service, 'ticket': cas_ticket})}"
        try:
            with urllib.request.urlopen(url, timeout=CAS_TIMEOUT) as response:  # noqa: S310  (http(s), checked in settings)
                body = response.read()
        except (urllib.error.URLError, OSError) as exc:
            log.warning("CAS server %s did not answer: %s", settings.CAS_SERVER_URL, exc)
            _say(request, messages.ERROR, _("The unified identity authentication server does not answer; try again later."))
            return None
        identity = parse_cas_response(body)
        if identity is None:
            _say(request, messages.ERROR, _("The unified identity authentication did not confirm the sign-in; try again."))
            return None
        cas_user, attributes = identity
        number = attributes.get(settings.CAS_NUMBER_ATTRIBUTE, [None])[0] if settings.CAS_NUMBER_ATTRIBUTE else None
        user = account_for_number(number or cas_user, source="cas", request=request)
        if user is not None:
            # Read by the sign-in view, which keeps it in the new session (see cas_login).
            user.sso_second_factor = cas_second_factor(attributes)
        return user


def cas_second_factor(attributes: dict[str, list[str]]) -> str:
    """The value by which the CAS server asserts a second factor for this sign-in ("" when
    it asserts none, or when trusting one is not configured)."""
    name, accepted = settings.CAS_MFA_ATTRIBUTE, settings.CAS_MFA_VALUES
    if not name:
        return ""
    return next((value for value in attributes.get(name, []) if value in accepted), "")


def parse_cas_response(body: bytes) -> tuple[str, dict[str, list[str]]] | None:
    """(user, attributes) from a CAS serviceResponse, None for a failure or anything else.
    An attribute may come several times (multi-valued): each keeps all its values."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException):
        return None
    success = root.find("cas:authenticationSuccess", CAS_NS)
    if success is None:
        return None
    user = (success.findtext("cas:user", default="", namespaces=CAS_NS) or "").strip()
    attributes: dict[str, list[str]] = {}
    found = success.find("cas:attributes", CAS_NS)
    for element in found if found is not None else []:
        attributes.setdefault(element.tag.rsplit("}", 1)[-1], []).append((element.text or "").strip())
    return (user, attributes) if user else None


# -- CAS single sign-out ---------------------------------------------------------------

SAMLP_NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol"}


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def remember_cas_ticket(session_key: str, ticket: str) -> None:
    """Tie the session a CAS sign-in opened to its service ticket, which the CAS server's
    logout request names."""
    from .models import LoginSession

    LoginSession.objects.filter(session_key=session_key).update(sso_ticket_hash=ticket_hash(ticket))


def cas_single_sign_out(logout_request: str, *, request=None) -> int:
    """The CAS server says a person signed out there (a SAML LogoutRequest naming the
    service ticket of the sign-in): end the session that ticket opened. Returns the number
    of sessions ended (0 for an unknown ticket or anything that is not a logout request)."""
    from django.contrib.sessions.models import Session

    from .models import LoginSession

    try:
        root = ElementTree.fromstring(logout_request.encode())
    except (ElementTree.ParseError, DefusedXmlException):
        return 0
    if root.tag != f"{{{SAMLP_NS['samlp']}}}LogoutRequest":
        return 0
    ticket = (root.findtext("samlp:SessionIndex", default="", namespaces=SAMLP_NS) or "").strip()
    if not ticket:
        return 0
    ended = 0
    for login_session in LoginSession.objects.filter(sso_ticket_hash=ticket_hash(ticket)).select_related("user"):
        Session.objects.filter(session_key=login_session.session_key).delete()
        login_session.delete()
        record_event(SecurityEvent.Kind.LOGOUT, request=request, user=login_session.user, sso="cas", reason="single sign-out")
        ended += 1
    return ended


try:
    from django_auth_ldap.backend import LDAPBackend, ldap_error
except ImportError:  # python-ldap not installed: LDAP cannot be switched on (settings refuse it)
    LDAPBackend, ldap_error = ModelBackend, None


class LdapBackend(LDAPBackend):
    """LDAP / Active Directory bind (django-auth-ldap), mapped to people like CAS."""

    @property
    def default_settings(self):
        import ldap

        timeout = getattr(settings, "LDAP_TIMEOUT", 5)
        return {
            "CONNECTION_OPTIONS": {ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout},
            "ALWAYS_UPDATE_USER": False,
        }

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not ldap_enabled() or username is None or not password:
            return None
        self._request = request
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username, ldap_user):
        attribute = getattr(settings, "LDAP_NUMBER_ATTRIBUTE", "")
        number = username
        if attribute:
            values = ldap_user.attrs.get(attribute.lower()) or ldap_user.attrs.get(attribute) or []
            number = values[0] if values else username
        user = account_for_number(number, source="ldap", request=getattr(self, "_request", None))
        if user is None:
            raise ldap_user.AuthenticationFailed("no person for this LDAP user")
        return user, False


def on_ldap_error(sender, context, user, request, exception, **kwargs):
    """The LDAP server did not answer: say so on the login page, and whether a local
    password may still be used."""
    if context != "authenticate":
        return
    _say(
        request,
        messages.WARNING,
        _(
            "The unified identity authentication server (LDAP) does not answer. Only accounts allowed to use a local "
            "password can sign in with it now."
        ),
    )
    record_event(SecurityEvent.Kind.LOGIN_FAILED, request=request, username="", sso="ldap", reason=exception.__class__.__name__)


if ldap_error is not None:
    ldap_error.connect(on_ldap_error, dispatch_uid="fangxian.accounts.sso.ldap_error")
