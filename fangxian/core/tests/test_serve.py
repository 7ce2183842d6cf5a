"""`manage.py serve` (what `make run` starts): web server and job consumer, stopped together."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings

from fangxian.testing import copy_migrated


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def serve(tmp_path, migrated_sqlite):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FANGXIAN_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env = {
        **clean,
        "FANGXIAN_DEBUG": "1",
        "FANGXIAN_DEMO": "1",
        "FANGXIAN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "fangxian.settings",
    }
    manage = [sys.executable, "manage.py"]
    copy_migrated(migrated_sqlite, tmp_path)  # what `migrate` would leave there, made once
    port = free_port()
    process = subprocess.Popen(
        [*manage, "serve", "--addrport", f"127.0.0.1:{port}"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=2) as response:
                assert response.status == 200
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"serve did not answer: {process.stderr.read().decode()[-2000:]}")
    yield process, url
    if group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def wait_stopped(process, timeout=20) -> None:
    process.wait(timeout=timeout)
    deadline = time.monotonic() + 5
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_ctrl_c_stops_the_server_and_the_consumer(serve):
    process, url = serve
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    wait_stopped(process)
    assert not group_alive(process.pid), "a child outlived Ctrl-C"
    assert process.returncode == 0, process.stderr.read().decode()[-2000:]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/healthz", timeout=2)


def test_sigterm_to_serve_alone_stops_both(serve):
    process, _url = serve
    process.terminate()  # systemd, `timeout` or `kill`: only serve gets the signal
    wait_stopped(process)
    assert not group_alive(process.pid), "a child outlived SIGTERM"
    assert process.returncode == 0, process.stderr.read().decode()[-2000:]
