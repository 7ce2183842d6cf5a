"""A college admin's home leads with today's report and its state: not in yet, or returned
by the office, it is the day's work; submitted, it says so. Overseers see completeness."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from fangxian.reports import services
from fangxian.reports.models import Submission
from fangxian.web.home import tiles_for


def _tile(rep, user=None):
    key = f"report-{rep.form.code}-{rep.uni.college.pk}"
    return next((t for t in tiles_for(user or rep.uni.college_admin_user) if t.key == key), None)


def _save(rep):
    return services.submission_save(
        user=rep.uni.college_admin_user, form=rep.form, unit=rep.uni.college, day=timezone.localdate(), now=rep.at(8), **rep.zero_report()
    )


def test_todays_report_leads_until_it_is_in_and_again_when_returned(rep, office, client):
    fill = reverse("reports:fill", args=[rep.form.code, rep.uni.college.pk, timezone.localdate().isoformat()])
    tile = _tile(rep)
    assert tile.kind == "action" and tile.url == fill and tile.action == "填报今日日报"
    client.force_login(rep.uni.college_admin_user)
    assert f'href="{fill}" data-tile="{tile.key}"' in client.get("/").content.decode()
    assert client.get(fill).status_code == 200

    submission = _save(rep)
    tile = _tile(rep)
    assert tile.kind == "figure" and tile.tone == "success" and tile.value == Submission.Status.SUBMITTED.label and tile.url == fill

    services.submission_return(user=office, submission=submission, comment="请核实人数")
    tile = _tile(rep)
    assert tile.kind == "action" and tile.tone == "danger" and tile.action == "修改已退回的日报"


def test_the_counselor_has_no_report_to_make(rep):
    assert not [t for t in tiles_for(rep.uni.counselor_user) if t.key.startswith("report-")]


def test_overseers_see_how_complete_each_form_is_and_click_through(rep, office, make_user):
    leader = make_user("leader9", "leader")
    tile = next(t for t in tiles_for(leader) if t.key == f"report-{rep.form.code}")
    assert tile.url == reverse("reports:completeness", args=[rep.form.code])
    assert "/" in tile.value
    assert next(t for t in tiles_for(office) if t.key == f"report-{rep.form.code}").url == tile.url


def test_the_tiles_take_the_same_queries_for_any_number_of_forms(rep, office, make_user, django_assert_max_num_queries):
    """Home tiles are read on every visit: a fixed handful of queries however many forms are
    due today (each new form used to cost about five more)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangxian.reports.home import report_tiles
    from fangxian.reports.models import ReportForm

    leader = make_user("leader8", "leader")
    reporter = rep.uni.college_admin_user
    _save(rep)
    counts = {}
    for user in (office, leader, reporter):
        with CaptureQueriesContext(connection) as captured:
            before = report_tiles(user)
        counts[user.pk] = (len(captured), len(before))
    for n in range(4):
        extra = ReportForm.objects.create(
            code=f"extra{n}",
            name=f"附加日报{n}",
            unit_kinds=rep.form.unit_kinds,
            unit_codes=rep.form.unit_codes,
            deadline=rep.form.deadline,
        )
        extra.units.set(rep.form.units.all())
    for user in (office, leader, reporter):
        queries, tiles_before = counts[user.pk]
        with django_assert_max_num_queries(queries):
            tiles = report_tiles(user)
        assert len(tiles) == tiles_before + 4
    # What each says is unchanged: the college's report is in, the new forms are not.
    mine = {t.key: t for t in report_tiles(reporter)}
    assert mine[f"report-{rep.form.code}-{rep.uni.college.pk}"].kind == "figure"
    assert mine[f"report-extra0-{rep.uni.college.pk}"].kind == "action"
    overall = {t.key: t for t in report_tiles(office)}
    expected = len(rep.form.expected_units())
    assert overall[f"report-{rep.form.code}"].value == f"1/{expected}"
    assert overall["report-extra0"].value == f"0/{expected}"
