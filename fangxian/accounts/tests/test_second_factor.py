"""TOTP second factor for privileged roles: enrolment, recovery codes, replay, demo relaxation."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangxian.audit.models import SecurityEvent
from fangxian.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle(settings):
    # django-otp slows down guessing after a failure (1 s, 2 s, …); the tests below try a
    # refused code and then a good one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrol(client: Client) -> tuple[TOTPDevice, list[str], str]:
    """Enrol the signed-in user; returns the device, the recovery codes and the code used."""
    response = client.get("/accounts/2fa/setup/?next=/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="totp-qr"' in html
    assert 'src="data:image/svg+xml' in html  # the QR code is drawn by the server, not fetched
    device = TOTPDevice.objects.get(user__username=response.wsgi_request.user.username, confirmed=False)
    assert response.context["secret"] in html
    used = code_for(device)
    response = client.post("/accounts/2fa/setup/?next=/", {"code": used, "next": "/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/recovery-codes/")
    response = client.get(response["Location"])
    codes = response.context["codes"]
    device.refresh_from_db()
    return device, codes, used


def test_privileged_user_is_sent_to_enrolment_and_can_work_after_it(office):
    client = sign_in("office1")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/setup/")

    device, codes, _used = enrol(client)
    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOTP_ENROLLED, user=office).exists()
    # The codes are shown once.
    assert client.get("/accounts/2fa/recovery-codes/").status_code == 302


def test_wrong_enrolment_code_is_refused(office):
    client = sign_in("office1")
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=office)
    acceptable = {code_for(device, steps) for steps in range(-2, 3)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in acceptable)
    response = client.post("/accounts/2fa/setup/", {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.get(user=office).confirmed


def test_second_login_needs_a_fresh_code_and_a_replayed_one_is_refused(office):
    first = sign_in("office1")
    device, _codes, used = enrol(first)

    second = sign_in("office1")
    response = second.post("/accounts/2fa/?next=/", {"code": used, "next": "/"})
    assert response.status_code == 200
    assert "验证码无效" in response.content.decode()
    assert second.get("/").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOTP_FAILED, user=office).exists()

    response = second.post("/accounts/2fa/?next=/", {"code": code_for(device, steps_ahead=1), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert second.get("/").status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOTP_VERIFIED, user=office).exists()


def test_recovery_code_signs_in_once(office):
    _device, codes, _used = enrol(sign_in("office1"))
    second = sign_in("office1")
    assert second.post("/accounts/2fa/", {"code": codes[0]}).status_code == 302
    assert second.get("/").status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RECOVERY_CODE_USED, user=office).exists()
    third = sign_in("office1")
    response = third.post("/accounts/2fa/", {"code": codes[0]})
    assert response.status_code == 200
    assert third.get("/").status_code == 302
    assert StaticDevice.objects.get(user=office).token_set.count() == 9


def test_new_recovery_codes_replace_the_old_ones(office):
    client = sign_in("office1")
    _device, old_codes, _used = enrol(client)
    response = client.post("/accounts/2fa/recovery-codes/")
    assert response.status_code == 302
    new_codes = client.get("/accounts/2fa/recovery-codes/").context["codes"]
    assert not set(new_codes) & set(old_codes)
    assert sign_in("office1").post("/accounts/2fa/", {"code": old_codes[0]}).status_code == 200


def test_replacing_the_authenticator_needs_the_current_one(office):
    client = sign_in("office1")
    enrol(client)
    other = sign_in("office1")
    response = other.get("/accounts/2fa/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
    assert TOTPDevice.objects.filter(user=office, confirmed=True).count() == 1


def test_non_privileged_users_need_no_second_factor(plain_user):
    client = sign_in("plain1")
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", ["prevention_office", "system_admin", "security_admin", "audit_admin"])
def test_each_privileged_role_needs_the_second_factor(make_user, role):
    make_user("priv1", role)
    assert sign_in("priv1").get("/").status_code == 302


def test_api_session_refuses_a_user_who_owes_the_second_factor(office):
    client = sign_in("office1")
    assert client.get("/api/v1/me/").status_code in (401, 403)
    enrol(client)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["roles"] == ["prevention_office"]


def test_api_session_refuses_a_user_who_owes_a_new_password(make_user):
    make_user("fresh1", must_change_password=True)
    client = sign_in("fresh1")
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_demo_mode_relaxes_the_second_factor_visibly(office, settings):
    settings.REQUIRE_TOTP = False
    settings.DEMO = True
    client = sign_in("office1")
    response = client.get("/")
    assert response.status_code == 200
    assert "演示环境" in response.content.decode()
    assert client.get("/api/v1/me/").status_code == 200


def run_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_"))}
    code = "import django; django.setup(); from django.conf import settings; print('REQUIRE_TOTP', settings.REQUIRE_TOTP)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "fangxian.settings", **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_demo_mode(tmp_path):
    production = {"FANGXIAN_SECRET_KEY": "x" * 60, "FANGXIAN_ALLOWED_HOSTS": "fangxian.example.edu.cn", "FANGXIAN_VAR_DIR": str(tmp_path)}
    refused = run_settings(**production, FANGXIAN_DEMO="1")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "FANGXIAN_DEMO" in refused.stderr
    # The same settings without demo mode start, with the second factor required.
    started = run_settings(**production)
    assert started.returncode == 0, started.stderr
    assert "REQUIRE_TOTP True" in started.stdout
    # Demo with DEBUG (what `make run` does) relaxes it.
    demo = run_settings(FANGXIAN_DEBUG="1", FANGXIAN_DEMO="1", FANGXIAN_VAR_DIR=str(tmp_path))
    assert demo.returncode == 0, demo.stderr
    assert "REQUIRE_TOTP False" in demo.stdout


def test_misspelt_boolean_is_refused(tmp_path):
    result = run_settings(FANGXIAN_DEBUG="ture", FANGXIAN_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "FANGXIAN_DEBUG must be true or false" in result.stderr


def test_the_page_asked_for_survives_the_second_factor_steps(office):
    client = sign_in("office1")
    wanted = "/accounts/security/?tab=tokens&page=2"
    verify = client.get(wanted)["Location"]
    setup = client.get(verify)["Location"]
    assert setup.startswith("/accounts/2fa/setup/?next=")
    response = client.get(setup)
    device = TOTPDevice.objects.get(user=office)
    response = client.post(setup, {"code": code_for(device), "next": response.context["next"]})
    codes_page = client.get(response["Location"])
    assert codes_page.context["next"] == wanted
