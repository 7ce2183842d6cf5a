"""The summary says when it was made and what arrived since; a late report remakes it
until the office locks the day."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import timezone
from docx import Document

from fangxian.reports import services
from fangxian.reports.models import DailySummary, SummaryLock
from fangxian.reports.summary import summary_generate


def _text(summary) -> str:
    with summary.docx.open("rb") as f:
        return "\n".join(p.text for p in Document(io.BytesIO(f.read())).paragraphs)


def test_a_late_report_remakes_the_summary_until_the_day_is_locked(
    rep, office, verified_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    day = timezone.localdate()
    services.submission_save(
        user=rep.uni.college_admin_user, form=rep.form, unit=rep.uni.college, day=day, now=timezone.now(), **rep.zero_report()
    )
    first = summary_generate(day=day)
    assert "生成于" in _text(first)
    assert "含截至此时已报送的1份报告（应报4份）" in _text(first)

    # 文学院 reports late: the summary is remade with it on commit. The reports carry the real
    # clock, not fixed hours of today: just after midnight, 12:00 would still lie ahead of the lock.
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_save(
            user=rep.other_admin_user, form=rep.form, unit=rep.uni.other_college, day=day, now=timezone.now(), **rep.zero_report(2, 2, 0)
        )
    remade = DailySummary.objects.get(day=day)
    assert remade.submitted == 2 and remade.generated_at > first.generated_at

    client = verified_client(office)
    assert client.post(reverse("reports:summary_lock"), {"day": day.isoformat()}).status_code == 302
    assert SummaryLock.objects.filter(day=day).exists()
    locked_at = DailySummary.objects.get(day=day).generated_at
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_save(
            user=rep.uni.college_admin_user,
            form=rep.form,
            unit=rep.uni.college,
            day=day,
            now=timezone.now(),  # after the summary was made, whatever the hour the suite runs
            data={"headcount": {"total": 3, "male": 3, "female": 0}, "safety": {"incidents": 1, "details": "扭伤"}},
            zero_sections=["catering", "mood", "other"],
        )
    after = DailySummary.objects.get(day=day)
    assert after.generated_at == locked_at and after.submitted == 2  # locked: not remade

    page = client.get(reverse("reports:summaries"))
    row = page.context["rows"][0]
    assert row.lock is not None
    assert [s.unit.name for s in row.arrived_since] == ["医学院"]  # the revision after the lock
    assert "已锁定" in page.text and "此后报送" in page.text


def test_only_the_office_locks_and_only_a_day_with_a_summary(rep, office, verified_client, client):
    day = timezone.localdate()
    answer = verified_client(office).post(reverse("reports:summary_lock"), {"day": day.isoformat()}, follow=True)
    assert "先生成" in answer.text and not SummaryLock.objects.exists()
    client.force_login(rep.uni.college_admin_user)
    assert client.post(reverse("reports:summary_lock"), {"day": day.isoformat()}).status_code == 403
