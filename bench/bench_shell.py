"""The shell: how fast the signed-in home page and /healthz answer."""

from __future__ import annotations

from bench.harness import median_ms, report, setup_django


def run() -> None:
    setup_django("shell")
    from django.test import Client

    from fangxian.accounts.models import User
    from fangxian.core.tasks import record_heartbeat

    record_heartbeat()  # as a running consumer would

    user = User.objects.create(username="bench", full_name="基准")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    def get(url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    report("home_page_ms", median_ms(lambda: get("/")), "ms")
    report("healthz_ms", median_ms(lambda: get("/healthz")), "ms")
