"""The shell: how fast the login page, the signed-in home page, /healthz and a token call
of the API answer; and each role's home page (its tiles and grouped menu) in the mini
university, in time and in queries."""

from __future__ import annotations

from bench.harness import median_ms, report, setup_django


def run() -> None:
    setup_django("shell")
    from django.test import Client

    from fangxian.accounts import services
    from fangxian.accounts.models import User
    from fangxian.core.tasks import consumer_name, record_heartbeat

    record_heartbeat()  # as a running consumer would: the periodic beat
    record_heartbeat(consumer_name())  # and the consumer's own beat (/healthz counts live consumers)

    user = User.objects.create(username="bench", full_name="基准")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    anonymous = Client(HTTP_HOST="localhost")
    _token, raw = services.token_create(user=user, name="bench", days=1)
    program = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(url: str, via=client):
        response = via.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    report("login_page_ms", median_ms(lambda: get("/accounts/login/", anonymous)), "ms")
    report("home_page_ms", median_ms(lambda: get("/")), "ms")
    report("healthz_ms", median_ms(lambda: get("/healthz")), "ms")
    report("api_me_token_ms", median_ms(lambda: get("/api/v1/me/", program)), "ms")
    _role_homes(get)


def _role_homes(get) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_static.models import StaticDevice

    from fangxian.accounts.models import User
    from fangxian.org.testing import MiniUniversity

    uni = MiniUniversity()
    office = User.objects.create(username="bench-office", full_name="防控办")
    office.role_grants.create(role="prevention_office")
    leader = User.objects.create(username="bench-leader", full_name="校领导")
    leader.role_grants.create(role="leader")
    users = {
        "office": office,
        "leader": leader,
        "college": uni.college_admin_user,
        "counselor": uni.counselor_user,
        "guard": uni.guard_user,
        "student": uni.student_user,
    }
    for role, user in users.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        if role != "student":  # past the second factor (staff roles need one), as the authorization matrix does
            device, _created = StaticDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        get("/", client)
        with CaptureQueriesContext(connection) as queries:
            get("/", client)
        report(f"home_{role}_queries", len(queries), "queries")
        report(f"home_{role}_ms", median_ms(lambda client=client: get("/", client)), "ms")
