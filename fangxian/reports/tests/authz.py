"""Authorization matrix entries for daily reporting (see fangxian/testing_authz.py).

Reports belong to units: "in" is the 医学院 (the college admin's college), "out" the 文学院.
The office, school leaders and discipline inspection see every unit; only the office and
the units' own reporters write, and only the office reviews and defines forms."""

from __future__ import annotations

from django.utils import timezone

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200}
OVERSEERS = {"office": 200, "leader": 200, "inspector": 200}

ZERO_REPORT = {
    "f-headcount-total": "3",
    "f-headcount-male": "3",
    "f-headcount-female": "0",
    "zero": ["safety", "catering", "mood", "other"],
    "action": "submit",
}


def _forms():
    """The shipped forms (transactional tests elsewhere may have emptied the tables)."""
    from fangxian.reports.tests.conftest import ensure_shipped_forms

    ensure_shipped_forms()


def _unit(world, which):
    return world.uni.college if which == "in" else world.uni.other_college


def _zero_report(world, which):
    """A zero report whose head counts are the pre-filled ones (a different figure would
    need a reason), whatever source the apps registered for them."""
    from fangxian.reports.prefill import prefill_value

    unit, day = _unit(world, which), timezone.localdate()
    data = dict(ZERO_REPORT)
    for field in ("total", "male", "female"):
        value = prefill_value(f"ledger.headcount.{field}", unit, day)
        if value is not None:
            data[f"f-headcount-{field}"] = str(value)
    return data


def _fill(world, user, which):
    _forms()
    return {"code": "college-daily", "unit_id": _unit(world, which).pk, "day": timezone.localdate().isoformat()}


def _api_submit(world, user, which):
    """A draft of today's college report for the college admin's college."""
    _forms()
    return {"form": "college-daily", "unit": _unit(world, which).pk, "day": timezone.localdate().isoformat(), "submit": "false"}


def _submission(world, which):
    from fangxian.reports.models import ReportForm, Submission

    _forms()
    form = ReportForm.objects.get(code="college-daily")
    sub, _ = Submission.objects.get_or_create(
        form=form,
        unit=_unit(world, which),
        day=timezone.localdate(),
        defaults={"version": form.version_for(timezone.localdate()), "status": Submission.Status.SUBMITTED, "revision_count": 1},
    )
    return sub


def _detail(world, user, which):
    return {"pk": _submission(world, which).pk}


def _review(world, user, which):
    return {"pk": _submission(world, which).pk, "action": "approve"}


def _alert(world, user, which):
    from fangxian.reports.models import ReportAlert

    alert, _ = ReportAlert.objects.get_or_create(
        submission=_submission(world, which), field_path="safety.incidents", defaults={"label": "安全稳定事件数", "rule": "> 0", "value": 1}
    )
    return {"pk": alert.pk}


def _code(world, user, which):
    _forms()
    return {"code": "college-daily"}


def _summary(world, user, which):
    # No summary has been made in the matrix: whoever may download gets 404, others 403.
    return {"day": timezone.localdate().isoformat(), "kind": "xlsx"}


ENTRIES = [
    Entry("reports:index", get=expect(403, **READERS)),
    Entry(
        "reports:fill",
        get=expect(403, **READERS),
        # School leaders and discipline inspection read only: the service refuses (400).
        post=expect(403, office=302, college=302, leader=400, inspector=400),
        kwargs=_fill,
        data=lambda w, u, which: _zero_report(w, which),
    ),
    Entry("reports:detail", get=expect(403, **READERS), kwargs=_detail),
    Entry(
        "reports:review",
        get=expect(403, office=405),
        post=expect(403, office=302),
        kwargs=_review,
        anonymous_post=302,
    ),
    Entry(
        "reports:alert_acknowledge",
        get=expect(403, office=405, leader=405),
        post=expect(403, office=302, leader=302),
        kwargs=_alert,
        anonymous_post=302,
    ),
    Entry("reports:overview", get=expect(403, **READERS)),
    Entry("reports:completeness", get=expect(403, **READERS), kwargs=_code, scoped=False),
    Entry("reports:calendar", get=expect(403, **READERS), kwargs=_code, scoped=False),
    Entry("reports:trends", get=expect(403, **READERS), kwargs=_code, scoped=False),
    Entry("reports:summaries", get=expect(403, **OVERSEERS)),
    Entry("reports:summary_generate", get=expect(403, office=405), post=expect(403, office=302), anonymous_post=302),
    Entry("reports:summary_lock", get=expect(403, office=405), post=expect(403, office=302), anonymous_post=302),
    Entry("reports:summary_download", get=expect(403, office=404, leader=404, inspector=404), kwargs=_summary, scoped=False),
    Entry("reports:forms", get=expect(403, office=200)),
    # An empty form re-shows the page with its errors (200) and creates nothing.
    Entry("reports:form_create", get=expect(403, office=200), post=expect(403, office=200)),
    Entry("reports:version_create", get=expect(403, office=200), post=expect(403, office=200), kwargs=_code, scoped=False),
    # API: the same roles and scope.
    Entry("api-report-forms", get=expect(200), anonymous_get=API_ANON),
    # Submitting through the API needs a reporter's role and a scope that is not read-only
    # (RolePermission): leaders and discipline inspection read, they do not report.
    Entry(
        "api-report-submissions",
        get=expect(200),
        post=expect(403, office=201, college=201),
        data=_api_submit,
        anonymous_get=API_ANON,
    ),
    Entry("api-report-submission", get=expect(404, **READERS), kwargs=_detail, anonymous_get=API_ANON),
    Entry("api-report-completeness", get=expect(404, **READERS), query="form=college-daily", anonymous_get=API_ANON),
]
