"""Run the web server and one job consumer together; Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and a job consumer (with periodic tasks) in one terminal."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        python = sys.executable
        web = subprocess.Popen([python, "manage.py", "runserver", addrport, "--noreload"])
        worker = subprocess.Popen([python, "manage.py", "run_huey", "--quiet"])
        children = [web, worker]
        self.stdout.write(self.style.SUCCESS(f"Fangxian: http://{addrport}/  (Ctrl-C stops the server and the job consumer)"))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [child.args[2] for child in children if child.returncode not in (0, -signal.SIGINT, None)]
        if failed:
            self.stderr.write(f"stopped: {', '.join(failed)} exited with an error")
