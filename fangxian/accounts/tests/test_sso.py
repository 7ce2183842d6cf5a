"""Campus single sign-on against real servers: slapd started here, and a CAS server (an
independent CAS 2.0/3.0 implementation in tests/servers.py) that the platform redirects to
and validates tickets against."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from fangxian.accounts.models import User
from fangxian.accounts.roles import Role
from fangxian.accounts.sso_models import SsoPolicy
from fangxian.org.testing import StaffFactory, StudentFactory
from fangxian.testing import PASSWORD

from .servers import BASE_DN, CasServer, LdapServer, free_port

pytestmark = pytest.mark.django_db
LDAP_PEOPLE = [
    {"uid": "T90001", "cn": "刘洋", "password": "ldap-pass-1"},
    {"uid": "liuqing", "cn": "刘青", "password": "ldap-pass-2", "employeeNumber": "T90002"},
    {"uid": "stranger", "cn": "外人", "password": "ldap-pass-3"},
    {"uid": "T90003", "cn": "离职", "password": "ldap-pass-4"},
]


@pytest.fixture(scope="module")
def ldap_server(tmp_path_factory):
    server = LdapServer(tmp_path_factory.mktemp("slapd")).start(LDAP_PEOPLE)
    yield server
    server.stop()


@pytest.fixture
def ldap_on(settings, ldap_server):
    settings.AUTH_LDAP_SERVER_URI = ldap_server.uri
    settings.AUTH_LDAP_USER_DN_TEMPLATE = f"uid=%(user)s,ou=people,{BASE_DN}"
    settings.LDAP_NUMBER_ATTRIBUTE = "employeeNumber"
    settings.LDAP_TIMEOUT = 3
    return ldap_server


@pytest.fixture
def cas_server():
    server = CasServer(
        {
            "T90001": {"password": "cas-pass-1"},
            "zhangsan": {"password": "cas-pass-2", "attributes": {"employeeNumber": "2021990001", "name": "张三"}},
            "nobody": {"password": "cas-pass-3"},
        }
    ).start()
    yield server
    server.stop()


@pytest.fixture
def cas_on(settings, cas_server):
    settings.CAS_SERVER_URL = cas_server.url
    settings.CAS_VERSION = "3"
    settings.CAS_NUMBER_ATTRIBUTE = "employeeNumber"
    return cas_server


@pytest.fixture
def people(uni):
    return {
        "counselor": StaffFactory(unit=uni.college, staff_number="T90001", name="刘洋"),
        "attribute": StaffFactory(unit=uni.college, staff_number="T90002", name="刘青"),
        "student": StudentFactory(klass=uni.klass, student_number="2021990001", name="张三"),
    }


def login_page(client: Client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, follow=True)


def page_text(response) -> str:
    return response.content.decode()


# -- LDAP --------------------------------------------------------------------------------


def test_ldap_bind_signs_in_the_person_with_that_number(ldap_on, people):
    client = Client()
    response = login_page(client, "T90001", "ldap-pass-1")
    assert response.redirect_chain and response.redirect_chain[-1][0] == reverse("web:home")
    people["counselor"].refresh_from_db()
    user = people["counselor"].user
    assert user.username == "T90001" and not user.has_usable_password()
    assert int(client.session["_auth_user_id"]) == user.pk


def test_ldap_maps_by_the_number_attribute(ldap_on, people):
    client = Client()
    login_page(client, "liuqing", "ldap-pass-2")
    people["attribute"].refresh_from_db()
    assert int(client.session["_auth_user_id"]) == people["attribute"].user_id
    assert not User.objects.filter(username="liuqing").exists()


def test_an_ldap_user_without_a_person_is_refused_and_gets_no_account(ldap_on, people):
    before = User.objects.count()
    response = login_page(Client(), "stranger", "ldap-pass-3")
    assert "未匹配到本校教职工或学生" in page_text(response)
    assert User.objects.count() == before


def test_a_wrong_ldap_password_is_refused(ldap_on, people):
    client = Client()
    response = login_page(client, "T90001", "wrong")
    assert "_auth_user_id" not in client.session and "用户名或密码不正确" in page_text(response)


def test_a_leaver_cannot_sign_in_through_ldap(ldap_on, uni):
    leaver = StaffFactory(unit=uni.college, staff_number="T90003", user=User.objects.create(username="T90003", is_active=False))
    client = Client()
    response = login_page(client, "T90003", "ldap-pass-4")
    assert "_auth_user_id" not in client.session
    assert "账号已停用" in page_text(response) and leaver.user.is_active is False


def test_privileged_roles_still_need_the_second_factor_after_ldap(ldap_on, people):
    user = User.objects.create(username="T90001")
    people["counselor"].user = user
    people["counselor"].save()
    user.role_grants.create(role=Role.PREVENTION_OFFICE)
    client = Client()
    login_page(client, "T90001", "ldap-pass-1")
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:totp_verify").rstrip("/"))


def test_ldap_not_answering_says_so_and_falls_back_only_where_allowed(settings, uni, make_user, secadmin):
    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}"  # nothing listens there
    settings.AUTH_LDAP_USER_DN_TEMPLATE = f"uid=%(user)s,ou=people,{BASE_DN}"
    settings.LDAP_TIMEOUT = 2
    # SSO not required: a local password still works, and the page says LDAP is down.
    client = Client()
    response = login_page(client, uni.counselor_user.username, PASSWORD)
    assert "_auth_user_id" in client.session
    assert "没有响应" in page_text(response)
    # Required: the counselor (no system role) is refused; the security admin is not.
    SsoPolicy.objects.create(pk=1, required=True)
    client = Client()
    response = login_page(client, uni.counselor_user.username, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "请通过统一身份认证登录" in page_text(response)
    client = Client()
    login_page(client, secadmin.username, PASSWORD)
    assert int(client.session["_auth_user_id"]) == secadmin.pk


def test_when_sso_is_required_a_wrong_password_tells_nothing_more(settings, uni):
    settings.CAS_SERVER_URL = "https://cas.example.edu.cn/cas"
    SsoPolicy.objects.create(pk=1, required=True)
    text = page_text(login_page(Client(), uni.counselor_user.username, "wrong-password"))
    assert "用户名或密码不正确" in text and "统一身份认证登录" not in text.split("<form")[0]


# -- CAS ---------------------------------------------------------------------------------


def cas_sign_in(client: Client, cas: CasServer, username: str, password: str, next_url: str = "/"):
    """The browser's way through CAS: to the platform, redirected to CAS, the CAS form, and
    back to the platform with a ticket."""
    response = client.get(reverse("accounts:cas_login"), {"next": next_url})
    assert response.status_code == 302 and response.url.startswith(cas.url + "/login?")
    service = parse_qs(urlsplit(response.url).query)["service"][0]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    form = urlencode({"username": username, "password": password, "service": service}).encode()
    try:
        opener.open(f"{cas.url}/login", data=form, timeout=5)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, answer.code
        back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("accounts:cas_login")
    return client.get(f"{back.path}?{back.query}")


def test_cas_sign_in_maps_the_cas_user_to_the_person(cas_on, people):
    client = Client()
    response = cas_sign_in(client, cas_on, "T90001", "cas-pass-1", next_url="/")
    assert response.status_code == 302 and response.url == "/"
    people["counselor"].refresh_from_db()
    assert int(client.session["_auth_user_id"]) == people["counselor"].user_id
    assert cas_on.validations == ["/cas/p3/serviceValidate"]


def test_cas_3_attributes_name_the_student(cas_on, people):
    client = Client()
    cas_sign_in(client, cas_on, "zhangsan", "cas-pass-2")
    people["student"].refresh_from_db()
    assert people["student"].user.username == "2021990001"
    assert int(client.session["_auth_user_id"]) == people["student"].user_id


def test_cas_2_validates_at_service_validate(cas_on, settings, people):
    settings.CAS_VERSION = "2"
    client = Client()
    cas_sign_in(client, cas_on, "T90001", "cas-pass-1")
    assert "_auth_user_id" in client.session
    assert cas_on.validations == ["/cas/serviceValidate"]


def test_a_cas_user_without_a_person_is_refused_with_a_message(cas_on, people):
    before = User.objects.count()
    client = Client()
    response = cas_sign_in(client, cas_on, "nobody", "cas-pass-3")
    assert response.status_code == 403
    assert "nobody" in page_text(response) and "未匹配到本校教职工或学生" in page_text(response)
    assert "_auth_user_id" not in client.session and User.objects.count() == before


def test_a_forged_or_replayed_ticket_is_refused(cas_on, people):
    client = Client()
    response = client.get(reverse("accounts:cas_login"), {"ticket": "ST-forged", "next": "/"})
    assert response.status_code == 403 and "_auth_user_id" not in client.session


def test_the_login_page_offers_cas_when_it_is_on(cas_on, client):
    assert 'data-testid="cas-login"' in client.get(reverse("accounts:login")).content.decode()


def test_cas_is_not_there_when_it_is_off(client):
    assert client.get(reverse("accounts:cas_login")).status_code == 404
    assert 'data-testid="cas-login"' not in client.get(reverse("accounts:login")).content.decode()


def test_the_security_admin_requires_sso(cas_on, secadmin, verified_client):
    c = verified_client(secadmin)
    assert "cas" in c.get(reverse("accounts:sso_settings")).content.decode()
    c.post(reverse("accounts:sso_settings"), {"required": "1"})
    assert SsoPolicy.current().required
    c.post(reverse("accounts:sso_settings"), {})
    assert not SsoPolicy.current().required


# -- a second factor asserted by CAS ------------------------------------------------------


@pytest.fixture
def mfa_cas(settings):
    """A CAS server that says how each person signed in (Apereo CAS's authnContextClass):
    with its authenticator app (mfa-gauth, among other values) or with a password only."""
    server = CasServer(
        {
            "T90001": {"password": "cas-pass-1", "attributes": {"authnContextClass": ["Password", "mfa-gauth"]}},
            "T90002": {"password": "cas-pass-2", "attributes": {"authnContextClass": "Password"}},
        }
    ).start()
    settings.CAS_SERVER_URL = server.url
    settings.CAS_VERSION = "3"
    settings.CAS_NUMBER_ATTRIBUTE = ""
    settings.CAS_MFA_ATTRIBUTE = "authnContextClass"
    settings.CAS_MFA_VALUES = ("mfa-gauth", "mfa-duo")
    yield server
    server.stop()


def privileged(person) -> User:
    user = User.objects.create(username=person.staff_number)
    person.user = user
    person.save()
    user.role_grants.create(role=Role.PREVENTION_OFFICE)
    return user


def asks_for_the_second_factor(client: Client) -> bool:
    response = client.get(reverse("web:home"))
    return response.status_code == 302 and response.url.startswith(reverse("accounts:totp_verify").rstrip("/"))


def test_a_second_factor_asserted_by_cas_is_trusted_for_privileged_roles(mfa_cas, people):
    from fangxian.audit.models import SecurityEvent

    user = privileged(people["counselor"])
    client = Client()
    cas_sign_in(client, mfa_cas, "T90001", "cas-pass-1")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert not asks_for_the_second_factor(client)
    assert client.get(reverse("web:home")).status_code == 200
    # The second-factor step itself lets them through, and so does the API's session login.
    assert client.get(reverse("accounts:totp_verify")).status_code == 302
    assert client.get(reverse("api-me")).status_code == 200
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOTP_VERIFIED, user=user).get()
    assert event.detail == {"sso": "cas", "attribute": "authnContextClass", "value": "mfa-gauth"}


def test_cas_without_the_asserted_value_still_needs_the_second_factor(mfa_cas, people):
    privileged(people["attribute"])
    client = Client()
    cas_sign_in(client, mfa_cas, "T90002", "cas-pass-2")
    assert "_auth_user_id" in client.session
    assert asks_for_the_second_factor(client)
    assert client.get(reverse("api-me")).status_code in (401, 403)


def test_an_asserted_second_factor_is_not_trusted_unless_configured(mfa_cas, settings, people):
    settings.CAS_MFA_ATTRIBUTE = ""
    settings.CAS_MFA_VALUES = ()
    privileged(people["counselor"])
    client = Client()
    cas_sign_in(client, mfa_cas, "T90001", "cas-pass-1")
    assert asks_for_the_second_factor(client)


def test_cas_2_asserts_nothing_so_the_second_factor_is_asked(mfa_cas, settings, people):
    settings.CAS_VERSION = "2"  # /serviceValidate: no attributes
    privileged(people["counselor"])
    client = Client()
    cas_sign_in(client, mfa_cas, "T90001", "cas-pass-1")
    assert "_auth_user_id" in client.session and asks_for_the_second_factor(client)


def test_the_asserted_second_factor_ends_with_the_cas_sign_in(mfa_cas, people):
    user = privileged(people["counselor"])
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    cas_sign_in(client, mfa_cas, "T90001", "cas-pass-1")
    assert not asks_for_the_second_factor(client)
    client.post(reverse("accounts:logout"))
    login_page(client, "T90001", PASSWORD)  # a local password afterwards: the CAS assertion is gone
    assert int(client.session["_auth_user_id"]) == user.pk
    assert asks_for_the_second_factor(client)


def test_the_sso_page_says_whether_cas_second_factors_are_trusted(mfa_cas, settings, secadmin, verified_client):
    c = verified_client(secadmin)
    assert "authnContextClass" in c.get(reverse("accounts:sso_settings")).content.decode()
    settings.CAS_MFA_ATTRIBUTE = ""
    assert "authnContextClass" not in c.get(reverse("accounts:sso_settings")).content.decode()


# -- CAS single sign-out -------------------------------------------------------------------


def test_cas_single_sign_out_ends_the_session_of_that_sign_in(cas_on, people):
    from fangxian.accounts.models import LoginSession
    from fangxian.audit.models import SecurityEvent

    signed_out, other = Client(), Client()
    cas_sign_in(signed_out, cas_on, "T90001", "cas-pass-1")
    cas_sign_in(other, cas_on, "zhangsan", "cas-pass-2")
    assert signed_out.get(reverse("web:home")).status_code == 200
    ((service, body),) = cas_on.logout_requests("T90001")
    # The CAS server's back-channel POST: no cookie, no CSRF token.
    server = Client(enforce_csrf_checks=True)
    parts = urlsplit(service)
    assert server.post(f"{parts.path}?{parts.query}", {"logoutRequest": body}).status_code == 200
    response = signed_out.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert other.get(reverse("web:home")).status_code == 200  # another person's sign-in stays
    assert not LoginSession.objects.filter(user__username="T90001").exists()
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGOUT, user__username="T90001").get()
    assert event.detail == {"sso": "cas", "reason": "single sign-out"}


def test_a_logout_request_for_an_unknown_ticket_or_garbage_ends_nothing(cas_on, people):
    client = Client()
    cas_sign_in(client, cas_on, "T90001", "cas-pass-1")
    server = Client(enforce_csrf_checks=True)
    forged = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
        "<samlp:SessionIndex>ST-guessed</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    for body in (forged, "<not-xml", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'):
        assert server.post(reverse("accounts:cas_login"), {"logoutRequest": body}).status_code == 200
    assert server.post(reverse("accounts:cas_login"), {"other": "1"}).status_code == 405
    assert client.get(reverse("web:home")).status_code == 200
