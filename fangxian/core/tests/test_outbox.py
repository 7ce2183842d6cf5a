"""Durable jobs: the outbox (recorded with the change, handed over until done, run once),
periodic runs claimed once however many consumers schedule them, leases that expire, and
consumers that stop gracefully on SIGTERM."""

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import RedisHuey
from huey.contrib.djhuey import HUEY

from fangxian.core import jobs, outbox
from fangxian.core.models import Heartbeat, Lease, OutboxJob, PeriodicRun
from fangxian.core.tasks import CONSUMER_HEARTBEAT, heartbeat, probe

from .test_jobs import django_script, project_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_down():
    """The queue as in production, in a Redis that does not answer (nothing on port 1)."""
    dead = RedisHuey("fangxian-dead", url="redis://127.0.0.1:1/0")
    HUEY.immediate = False
    HUEY.storage = dead.storage
    try:
        yield
    finally:
        HUEY.immediate = True  # back to the in-process queue of the tests


def backdate(**delta):
    OutboxJob.objects.update(created_at=timezone.now() - timedelta(**delta))


def test_a_job_is_recorded_with_the_change_and_vanishes_with_a_rollback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        probe.after_commit("kept")
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        probe.after_commit("rolled-back")
        raise RuntimeError("the change failed")
    assert list(OutboxJob.objects.values_list("args", flat=True)) == [["kept"]]
    assert OutboxJob.objects.get().done_at is not None
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"kept"}


def test_a_failed_handover_is_not_an_error_and_the_relay_hands_it_over_later(queue_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        probe.after_commit("during-outage")  # Redis down: logged, no exception
    job = OutboxJob.objects.get()
    assert (job.handed_at, job.done_at) == (None, None)
    assert "ConnectionError" in job.last_error
    backdate(seconds=30)
    assert outbox.relay() == 0  # still down: nothing handed over, nothing lost
    assert outbox.outbox_state()["pending"] == 1

    HUEY.immediate = True  # Redis is back (in tests the queue runs jobs at once)
    assert outbox.relay() == 1
    job.refresh_from_db()
    assert job.done_at is not None and job.handovers == 1
    assert Heartbeat.objects.filter(name="during-outage").count() == 1


def test_a_job_handed_over_twice_runs_once():
    job = OutboxJob.objects.create(task=probe.name, args=["twice"])
    probe.queued(job.pk)
    probe.queued(job.pk)  # e.g. the relay redelivered it after Redis seemed to lose it
    assert Heartbeat.objects.filter(name="twice").count() == 1


def test_jobs_handed_over_long_ago_and_not_done_are_handed_over_again(settings):
    settings.FANGXIAN_OUTBOX_REDELIVER_SECONDS = 60
    job = OutboxJob.objects.create(task=probe.name, args=["lost-in-redis"], handed_at=timezone.now(), handovers=1)
    assert outbox.relay() == 0  # handed over just now: give the queue time
    OutboxJob.objects.update(handed_at=timezone.now() - timedelta(seconds=61))
    assert outbox.relay() == 1
    job.refresh_from_db()
    assert job.done_at is not None and job.handovers == 2


def test_a_failing_job_keeps_its_row_and_rolls_back_its_writes():
    Heartbeat.objects.create(name="taken", beat_at=timezone.now())
    job = OutboxJob.objects.create(task=probe.name, args=["taken"])
    probe.queued(job.pk)  # the probe fails: its name exists
    job.refresh_from_db()
    assert job.done_at is None and "IntegrityError" in job.last_error


def test_ledger_import_follow_up_goes_through_the_outbox():
    from fangxian.ledger.tasks import one_to_one_fill_task

    assert isinstance(one_to_one_fill_task, outbox.OutboxTask)


# -- periodic work ---------------------------------------------------------------------------


def test_each_periodic_run_is_claimed_once_however_many_consumers_schedule_it():
    Heartbeat.objects.all().delete()
    # Two consumers' schedulers queue the same minute's run: one does the work.
    heartbeat.func()
    first_beat = Heartbeat.objects.get(name=CONSUMER_HEARTBEAT).beat_at
    heartbeat.func()
    assert Heartbeat.objects.get(name=CONSUMER_HEARTBEAT).beat_at == first_beat
    assert PeriodicRun.objects.filter(name="fangxian.core.tasks.heartbeat").count() == 1


def test_the_slot_is_the_scheduled_minute_even_for_a_late_copy():
    from huey import crontab

    every_five = crontab(minute="*/5")
    on_time = timezone.datetime(2026, 7, 14, 10, 5, 2, tzinfo=timezone.get_fixed_timezone(0))
    late = on_time + timedelta(minutes=3, seconds=40)
    assert jobs.last_slot(every_five, on_time) == jobs.last_slot(every_five, late) == on_time.replace(second=0)
    assert jobs.claim("x", jobs.last_slot(every_five, on_time)) is True
    assert jobs.claim("x", jobs.last_slot(every_five, late)) is False


# -- leases ----------------------------------------------------------------------------------


def test_a_lease_held_by_a_killed_consumer_expires_by_itself():
    from fangxian.dashboard import tasks as dashboard_tasks

    # A consumer took the lock and was killed: the lease is still there ...
    Lease.objects.create(name="dashboard-refresh-dirty", holder="node1:4242", expires_at=timezone.now() + timedelta(minutes=5))
    assert dashboard_tasks.refresh_dirty_days.call_local() is None  # ... so the refresh waits
    # ... until it expires; then the next run takes it over, and releases it afterwards.
    Lease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert dashboard_tasks.refresh_dirty_days.call_local() is not None
    assert not Lease.objects.exists()


def test_a_lease_excludes_a_second_holder():
    assert jobs.acquire("work", timedelta(minutes=1), "a") is True
    assert jobs.acquire("work", timedelta(minutes=1), "b") is False
    jobs.release("work", "a")
    assert jobs.acquire("work", timedelta(minutes=1), "b") is True


# -- consumers -------------------------------------------------------------------------------


def test_consumers_stop_gracefully_on_sigterm_and_beat_on_their_own(tmp_path):
    env = project_env(tmp_path)
    django_script("from django.core.management import call_command; call_command('migrate', verbosity=0); print('ok')", env)
    consumer = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        beats = "0"
        while time.monotonic() < deadline and beats == "0":
            time.sleep(0.5)
            beats = django_script(
                "from fangxian.core.models import Heartbeat; print(Heartbeat.objects.filter(name__startswith='consumer:').count())", env
            )
        assert beats == "1"  # its own beat, without any job having run
    finally:
        consumer.send_signal(signal.SIGTERM)
        _, stderr = consumer.communicate(timeout=30)
    assert "Shutting down gracefully" in stderr and "All workers have stopped" in stderr, stderr
