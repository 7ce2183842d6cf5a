"""The shell: how fast the login page, the signed-in home page, /healthz and a token call
of the API answer."""

from __future__ import annotations

from bench.harness import median_ms, report, setup_django


def run() -> None:
    setup_django("shell")
    from django.test import Client

    from fangxian.accounts import services
    from fangxian.accounts.models import User
    from fangxian.core.tasks import record_heartbeat

    record_heartbeat()  # as a running consumer would

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
