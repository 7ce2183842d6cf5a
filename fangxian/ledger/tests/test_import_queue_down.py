"""A ledger import while the job queue is down: the rows are saved, the page answers, and
the follow-up job (one-to-one staff) waits in the outbox until the queue is back."""

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangxian.core import outbox
from fangxian.core.models import OutboxJob
from fangxian.core.tests.test_outbox import queue_down  # noqa: F401  (fixture)
from fangxian.ledger.models import LedgerEntry
from fangxian.org.models import Assignment, AssignmentRole

from .test_import import HEADER, row, xlsx


def test_import_with_the_queue_down_saves_rows_and_queues_the_follow_up_later(ledger, queue_down, django_capture_on_commit_callbacks):  # noqa: F811
    from huey.contrib.djhuey import HUEY

    uni = ledger.uni
    client = Client(raise_request_exception=False)
    client.force_login(uni.college_admin_user)
    upload = xlsx([HEADER, *(row(s, ledger) for s in uni.students)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ledger:import") + f"?period={ledger.period.pk}", {"file": upload})
    assert response.status_code == 200  # was 500 although the rows were saved
    assert LedgerEntry.objects.count() == len(uni.students)
    job = OutboxJob.objects.get(task="fangxian.ledger.tasks.one_to_one_fill_task")
    assert job.done_at is None and job.handed_at is None
    assert not Assignment.objects.filter(role=AssignmentRole.ONE_TO_ONE, student__in=uni.students, staff=uni.counselor).exists()

    HUEY.immediate = True  # the queue is back; a consumer's relay finds the job
    OutboxJob.objects.update(created_at=timezone.now() - outbox.HANDOVER_GRACE * 2)
    assert outbox.relay() == 1
    job.refresh_from_db()
    assert job.done_at is not None
    assert Assignment.objects.filter(role=AssignmentRole.ONE_TO_ONE, student__in=uni.students, staff=uni.counselor).count() == len(
        uni.students
    )
