"""Home and dashboard tiles, the supervision rule for late reports, and the demo."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.core.supervision import supervision_rule
from fangxian.core.tiles import TileContext, _dashboard_providers
from fangxian.deadlines.models import Deadline
from fangxian.incidents import demo, home, services
from fangxian.incidents.models import Incident
from fangxian.web.home import tiles_for


def _report(cast, **kwargs):
    args = {"user": cast.duty_user, "kind": "fire", "occurred_at": timezone.now() - timedelta(minutes=5), "description": "冒烟"}
    args.update(kwargs)
    return services.incident_report(**args)


def _keys(tiles):
    return {tile.key: tile for tile in tiles}


def test_home_tiles_for_the_office_and_the_reporter(cast):
    assert _keys(home.home_tiles(cast.office))["incidents-acknowledge"].value == 0
    incident = _report(cast)
    office = _keys(home.home_tiles(cast.office))
    assert office["incidents-acknowledge"].value == 1 and office["incidents-acknowledge"].url.endswith(f"/incidents/{incident.pk}/")
    duty = _keys(home.home_tiles(cast.duty_user))
    assert duty["incident-report"].kind == "action" and duty["incidents-mine"].value == 1
    assert "incident-report" not in _keys(home.home_tiles(cast.uni.counselor_user))  # not on duty
    assert home.home_tiles(cast.uni.student_user) == []
    assert "incidents-acknowledge" in _keys(tiles_for(cast.office))  # registered at order 55


def test_dashboard_tiles_show_open_incidents_by_level_with_their_clocks(cast):
    _report(cast, level="major")
    _report(cast, level="general", occurred_at=timezone.now() - timedelta(hours=5))
    tiles = _keys(home.dashboard_tiles(TileContext(cast.office, timezone.localdate(), None, None)))
    assert home.dashboard_tiles in [provider for _order, provider in _dashboard_providers]
    assert tiles["incidents-open"].value == 2
    assert tiles["incidents-major"].value == 1 and "首报" in tiles["incidents-major"].note
    # Reported late, five hours after: the office still has 15 minutes to acknowledge it.
    assert tiles["incidents-general"].value == 1 and "剩余" in tiles["incidents-general"].note
    assert "incidents-larger" not in tiles
    Deadline.objects.filter(kind="incidents.first_report").update(due_at=timezone.now() - timedelta(minutes=3))
    tiles = _keys(home.dashboard_tiles(TileContext(cast.office, timezone.localdate(), None, None)))
    assert tiles["incidents-open"].tone == "danger" and "2" in tiles["incidents-open"].note
    assert "已逾期" in tiles["incidents-general"].note


def test_late_reports_are_proposed_for_supervision_once_per_unit_and_week(cast):
    rule = supervision_rule("incidents.late")
    _report(cast, occurred_at=timezone.now() - timedelta(minutes=5))  # on time
    late = _report(cast, occurred_at=timezone.now() - timedelta(hours=3))  # 首报 30 minutes: late
    proposals = list(rule.derive(timezone.localdate()))
    assert len(proposals) == 1
    proposal = proposals[0]
    assert proposal.unit_id == cast.uni.security_office.pk and proposal.count == 1
    assert "保卫处" in proposal.title and "迟报1起" in proposal.title and late.title in proposal.evidence
    assert [p.key for p in rule.derive(timezone.localdate())] == [proposal.key]


def test_the_demo_has_open_and_closed_incidents_with_clocks(cast):
    cast.uni.institution.code = demo.INSTITUTION_CODE
    cast.uni.institution.save()
    demo.load(size=10, seed=1)
    demo.load(size=10, seed=1)  # loading again adds nothing
    assert Incident.objects.count() == len(demo.PLAN)
    assert Incident.objects.filter(status=Incident.Status.CLOSED).count() == 2
    assert Incident.objects.filter(status=Incident.Status.REPORTED).count() == 1
    overdue = Deadline.objects.overdue().filter(kind="incidents.followup")
    assert overdue.count() == 1 and overdue.get().target.kind == "lab"


def test_report_forms_may_prefill_the_days_incidents_and_the_people_in_them(cast):
    from fangxian.reports.prefill import prefill_value

    student = cast.uni.students[0]
    _report(cast, kind="fever", people=f"{student.student_number} {student.name}")
    _report(cast, kind="fever", people=f"{student.student_number} {student.name}")  # the same student again
    _report(cast, kind="fire")
    today = timezone.localdate()
    assert prefill_value("incidents.count", cast.uni.security_office, today) == 3
    assert prefill_value("incidents.count", cast.uni.institution, today) == 3  # the units below count
    assert prefill_value("incidents.count", cast.uni.college, today) == 0
    assert prefill_value("incidents.fever_people", cast.uni.security_office, today) == 1
    assert prefill_value("incidents.positive_people", cast.uni.security_office, today) == 0
    assert prefill_value("incidents.count", cast.uni.security_office, today - timedelta(days=1)) == 0
