"""Run the web server and one job consumer together; Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

# How long each child gets to finish after being asked to stop, before it is killed.
STOP_GRACE_SECONDS = 10


ALREADY_INTERRUPTED_WAIT = 3


def _wait_all(children: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(child.poll() is None for child in children):
        time.sleep(0.1)


class _Stop(Exception):
    """Raised by the SIGTERM handler so that `timeout`, systemd or `kill` stop the children too."""


def _raise_stop(signum, frame):
    raise _Stop


class Command(BaseCommand):
    help = "Start the web server and a job consumer (with periodic tasks) in one terminal."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        manage = str(settings.BASE_DIR / "manage.py")
        python = sys.executable
        previous = signal.signal(signal.SIGTERM, _raise_stop)
        # A shell that starts us in the background leaves SIGINT ignored, and the children
        # would inherit that and outlive a Ctrl-C. A handled signal is reset for them at exec.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        children: list[subprocess.Popen] = []
        interrupted = False  # by Ctrl-C; otherwise by SIGTERM or a child that stopped on its own
        try:
            children.append(subprocess.Popen([python, manage, "runserver", addrport, "--noreload"]))
            children.append(subprocess.Popen([python, manage, "run_huey", "--quiet"]))
            self.stdout.write(self.style.SUCCESS(f"Fangxian: http://{addrport}/  (Ctrl-C stops the server and the job consumer)"))
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            # Ctrl-C in a terminal reaches the whole process group: the children have it too.
            interrupted = True
        except _Stop:
            pass
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not cut the clean-up short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            self._stop(children, already_interrupted=interrupted)
            signal.signal(signal.SIGTERM, previous)
        stopped_by_us = (0, -signal.SIGINT, -signal.SIGTERM)
        failed = [child.args[2] for child in children if child.returncode not in stopped_by_us]
        if failed:
            self.stderr.write(f"stopped: {', '.join(failed)} exited with an error")
            sys.exit(1)

    @staticmethod
    def _stop(children: list[subprocess.Popen], *, already_interrupted: bool) -> None:
        # SIGINT is what Ctrl-C sends: runserver exits at once, the consumer finishes its
        # running jobs first. After a Ctrl-C the children got it already; a second one would
        # interrupt their clean-up, so they get a moment to stop by themselves first.
        if already_interrupted:
            _wait_all(children, ALREADY_INTERRUPTED_WAIT)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
