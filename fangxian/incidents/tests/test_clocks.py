"""The clocks: acknowledging stops the escalation; the written and follow-up reports move
their clocks; the closing report stops them all. Not acknowledged in time: the leader on duty,
then the office, then the school's leader on duty — each once, however many ticks run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangxian.deadlines.models import Deadline, SentStep
from fangxian.deadlines.services import tick
from fangxian.incidents import services
from fangxian.incidents.deadlines import FIRST_REPORT, FOLLOWUP, KINDS, WRITTEN
from fangxian.incidents.models import Incident, Update
from fangxian.notify.models import Notification


def _report(cast, **kwargs):
    return services.incident_report(
        user=cast.duty_user,
        kind="injury",
        level="general",
        occurred_at=timezone.now() - timedelta(minutes=1),
        description="学生在操场摔伤",
        unit=cast.uni.security_office,
        **kwargs,
    )


def _kinds(incident):
    return sorted(Deadline.objects.of(incident).open().values_list("kind", flat=True))


def test_not_acknowledged_escalates_along_the_roster_once_per_step_with_two_ticks(cast):
    incident = _report(cast, place=None)
    Incident.objects.filter(pk=incident.pk).update(unit=cast.uni.college)  # a college's incident: its leader on duty first
    due = Deadline.objects.of(incident).get(kind=FIRST_REPORT).due_at
    names = {"leader": cast.leader_user, "office": cast.office, "school": cast.school_leader_user}
    for step, offset in (("leader", 0), ("office", 10), ("school", 20)):
        at = due + timedelta(minutes=offset, seconds=1)
        tick(now=at, kinds=[FIRST_REPORT])
        tick(now=at, kinds=[FIRST_REPORT])  # a second consumer at the same moment
        got = Notification.objects.filter(kind=f"{FIRST_REPORT}.{step}")
        assert [n.user for n in got] == [names[step]], step
    assert list(SentStep.objects.filter(deadline__kind=FIRST_REPORT).values_list("step", flat=True)) == ["leader", "office", "school"]
    # Nothing more, whatever happens next.
    tick(now=due + timedelta(hours=3), kinds=[FIRST_REPORT])
    assert Notification.objects.filter(kind__startswith=FIRST_REPORT).count() == 3


def test_acknowledged_in_time_nobody_is_chased(cast):
    incident = _report(cast)
    services.incident_acknowledge(user=cast.office, incident=incident)
    services.incident_acknowledge(user=cast.office, incident=incident)  # twice clicked: no harm
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ACKNOWLEDGED
    due = Deadline.objects.of(incident).get(kind=FIRST_REPORT).due_at
    tick(now=due + timedelta(hours=1), kinds=[FIRST_REPORT])
    assert not Notification.objects.filter(kind__startswith=FIRST_REPORT).exists()
    assert _kinds(incident) == [WRITTEN]
    # The reporter hears once that the office has it in hand.
    assert [n.user for n in Notification.objects.filter(kind="incidents.acknowledged")] == [cast.duty_user]


def test_the_timeline_moves_the_clocks_and_the_closing_report_stops_them(cast):
    incident = _report(cast)
    services.incident_acknowledge(user=cast.office, incident=incident)
    now = timezone.now()
    services.update_add(user=cast.duty_user, incident=incident, kind="written", text="书面报告", measures="送医", now=now)
    assert _kinds(incident) == [FOLLOWUP]
    followup = Deadline.objects.of(incident).get(kind=FOLLOWUP)
    assert followup.due_at == now + timedelta(hours=24)
    with pytest.raises(ValidationError) as caught:
        services.update_add(user=cast.duty_user, incident=incident, kind="written", text="再报一次")
    assert "书面报告已报送" in caught.value.message_dict["kind"][0]
    later = now + timedelta(hours=20)
    services.update_add(user=cast.duty_user, incident=incident, kind="followup", text="伤情稳定", now=later)
    assert Deadline.objects.of(incident).get(kind=FOLLOWUP).due_at == later + timedelta(hours=24)
    services.update_add(
        user=cast.office, incident=incident, kind="final", text="处置完毕", next_steps="加强巡查", now=later + timedelta(hours=1)
    )
    incident.refresh_from_db()
    assert incident.is_closed and incident.measures == "送医" and incident.next_steps == "加强巡查"
    assert _kinds(incident) == []
    assert list(incident.updates.values_list("kind", flat=True)) == ["written", "followup", "final"]
    with pytest.raises(ValidationError):
        services.update_add(user=cast.office, incident=incident, kind="followup", text="结束后")
    assert Update.objects.count() == 3


def test_a_missed_written_report_reaches_the_leader_on_duty(cast):
    incident = _report(cast, place=cast.uni.building)
    due = Deadline.objects.of(incident).get(kind=WRITTEN).due_at
    tick(now=due + timedelta(minutes=1), kinds=[WRITTEN])
    # From the building up: no leader on duty on the campus, so the school's.
    assert [n.user for n in Notification.objects.filter(kind=f"{WRITTEN}.leader")] == [cast.school_leader_user]
    assert set(KINDS) >= set(Deadline.objects.of(incident).values_list("kind", flat=True))
