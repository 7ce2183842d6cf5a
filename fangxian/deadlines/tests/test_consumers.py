"""Two job consumers run the deadline tick at the same moments against the same database:
two real processes with their own connections (the test database is a file; on
PostgreSQL the same test runs against the test database there). Each step must reach
each person exactly once, and nothing more once the object is done."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from fangxian.deadlines import services
from fangxian.deadlines.models import Deadline, SentStep
from fangxian.notify.models import Notification
from fangxian.org.models import Student

from .kinds import KIND

# Deadlines per student (five students): enough for the consumers' turns to interleave.
KEYS = 30

CONSUMER = """
import datetime, json, os, sys, time
import django
django.setup()
from fangxian.deadlines.tests.kinds import register_test_kind
from fangxian.deadlines.services import tick
from django.db import connection
register_test_kind()
go, moments, repeat = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
connection.ensure_connection()
open(f"{go}.ready.{os.getpid()}", "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
sent = {}
for moment in moments:
    for _ in range(repeat):
        for step, n in tick(now=datetime.datetime.fromisoformat(moment), kinds=[sys.argv[4]])[sys.argv[4]].items():
            sent[step] = sent.get(step, 0) + n
print(json.dumps(sent))
"""


def database_env() -> dict:
    """Environment for a process that opens this test's database."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANGXIAN_SQLITE_PATH", "PYTEST_XDIST_WORKER")}
    env["DJANGO_SETTINGS_MODULE"] = "fangxian.settings_test"
    if connection.vendor == "sqlite":
        env["FANGXIAN_SQLITE_PATH"] = str(db["NAME"])
    else:
        env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return env


def run_consumers(tmp_path: Path, moments, *, consumers: int = 2, repeat: int = 3) -> list[dict]:
    """Start the consumers, let them all go at once, and return what each sent."""
    go = tmp_path / f"go-{len(list(tmp_path.glob('go-*')))}"
    args = [json.dumps([m.isoformat() for m in moments]), str(repeat), KIND]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONSUMER, str(go), *args],
            cwd=settings.BASE_DIR,
            env=database_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(consumers)
    ]
    # All set up (Django loaded, connected) before any starts: then they really race.
    while len(list(tmp_path.glob(f"{go.name}.ready.*"))) < consumers:
        assert all(proc.poll() is None for proc in procs), "a consumer stopped before the start"
        time.sleep(0.05)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def total(results: list[dict], step: str) -> int:
    return sum(r.get(step, 0) for r in results)


@pytest.mark.django_db(transaction=True)
def test_two_consumers_send_each_step_once_and_stop_when_done(chain, follow_up, tmp_path):
    uni, due = chain.uni, chain.due
    students = [*uni.students, *uni.other_students]
    for student in students:
        for key in range(KEYS):
            services.set_deadline(student, KIND, due, key=str(key))
    deadlines = len(students) * KEYS

    # Reminder and escalation to the college, both consumers at each moment, three times over.
    first = run_consumers(tmp_path, [due - timedelta(minutes=30), due + timedelta(minutes=5)])
    assert total(first, "remind") == deadlines and total(first, "college") == deadlines
    mine = 3 * KEYS  # the counselor's three students' deadlines
    assert Notification.objects.filter(user=uni.counselor_user, kind=f"{KIND}.remind").count() == mine
    assert Notification.objects.filter(user=uni.other_counselor_user, kind=f"{KIND}.remind").count() == deadlines - mine
    # Only the first college has a prevention officer on the chain.
    assert Notification.objects.filter(user=uni.college_admin_user, kind=f"{KIND}.college").count() == mine

    # One student leaves: their deadlines get no further step, from either consumer.
    done = uni.students[0]
    Student.objects.filter(pk=done.pk).update(status=Student.Status.WITHDRAWN)
    second = run_consumers(tmp_path, [due + timedelta(hours=2, minutes=5), due + timedelta(hours=4, minutes=5)])
    still_open = deadlines - KEYS
    assert total(second, "leader") == still_open and total(second, "office") == still_open
    # The college's leader for the first college, the institution's for the other.
    assert Notification.objects.filter(user=chain.leader_user, kind=f"{KIND}.leader").count() == mine - KEYS
    assert Notification.objects.filter(user=chain.top_user, kind=f"{KIND}.leader").count() == deadlines - mine
    assert Notification.objects.filter(user=chain.office_user, kind=f"{KIND}.office").count() == still_open
    assert not Notification.objects.filter(title__contains=done.name, kind__in=[f"{KIND}.leader", f"{KIND}.office"]).exists()
    assert Deadline.objects.filter(object_id=done.pk, done_at__isnull=False).count() == KEYS

    # Every (deadline, step) once: the record and the notifications agree.
    assert SentStep.objects.count() == deadlines * 2 + still_open * 2
    assert Notification.objects.filter(kind__startswith=f"{KIND}.").count() == (
        mine
        + (deadlines - mine)  # reminders
        + mine  # the first college's officer
        + still_open  # leaders
        + still_open  # office
    )
