"""Daily reporting: the completeness table over a year of reports, and the daily summary.

- completeness_year_ms: a year of 5 daily forms for 60 units (109,500 reports, made in
  bulk), then the completeness table (expected / submitted / on time / late / missing per
  form and day) for one month, as the office sees it.
- daily_summary_s: the demo university with 30,000 students and two weeks of reports; the
  time to build and archive the day's summary (xlsx + docx).
"""

from __future__ import annotations

import importlib
import random
import subprocess
import sys
import time as clock
from datetime import datetime, time, timedelta

from bench.harness import median_ms, report, setup_django

UNITS = 60
FORMS = 5
DAYS = 365


def _office():
    from fangxian.accounts.models import RoleGrant, User

    user, _ = User.objects.get_or_create(username="bench-office", defaults={"full_name": "防控办"})
    RoleGrant.objects.get_or_create(user=user, role="prevention_office")
    return user


def completeness_year() -> None:
    from django.utils import timezone

    from fangxian.org.models import Unit
    from fangxian.reports.demo import sample_answers
    from fangxian.reports.models import FormVersion, ReportForm, Submission
    from fangxian.reports.selectors import completeness_table

    rng = random.Random(5)
    root = Unit.objects.create(kind="institution", name="基准大学", code="bench")
    for n in range(UNITS):
        Unit.objects.create(kind="college", name=f"学院{n:02d}", code=f"c{n:02d}", parent=root)
    start = timezone.localdate() - timedelta(days=DAYS - 1)
    template = FormVersion.objects.get(form__code="college-daily").schema
    extra = ReportForm.objects.create(code="extra-daily", name="加测日报", unit_kinds=["college"], starts_on=start)
    FormVersion.objects.create(form=extra, number=1, valid_from=start, schema=template)
    # Forms other apps ship (duty's 疫情信息日报, the hospital's) are set aside: the figures are
    # of the reports app's own forms.
    shipped = importlib.import_module("fangxian.reports.migrations.0002_ship_default_forms")
    own = [spec["code"] for spec in shipped.FORMS] + ["extra-daily"]
    ReportForm.objects.exclude(code__in=own).update(is_active=False)
    ReportForm.objects.filter(is_active=True).update(unit_kinds=["college"], unit_codes=[], starts_on=start)
    forms = list(ReportForm.objects.filter(is_active=True))
    assert len(forms) == FORMS
    units = list(Unit.objects.filter(kind="college"))
    versions = {f.pk: f.version_for(timezone.localdate()) for f in forms}
    # A pool of answer sets per form, drawn from at random: making 100,000 distinct ones
    # would time the generator, not the table.
    pools = {f.pk: [sample_answers(versions[f.pk].schema, rng, zero=rng.random() < 0.7) for _ in range(40)] for f in forms}
    started = clock.perf_counter()
    batch = []
    for offset in range(DAYS):
        day = start + timedelta(days=offset)
        for form in forms:
            version = versions[form.pk]
            for unit in units:
                if rng.random() < 0.04:
                    continue  # missing
                late = rng.random() < 0.08
                at = timezone.make_aware(datetime.combine(day, time(9 if not late else 11, rng.randint(0, 59))))
                answers, zeroed = rng.choice(pools[form.pk])
                batch.append(
                    Submission(
                        form=form,
                        unit=unit,
                        day=day,
                        version=version,
                        status="approved",
                        data=answers,
                        zero_sections=zeroed,
                        is_zero=bool(zeroed),
                        first_submitted_at=at,
                        submitted_at=at,
                        is_late=late,
                        revision_count=1,
                    )
                )
        if len(batch) >= 5000:
            Submission.objects.bulk_create(batch, batch_size=2500)
            batch = []
    Submission.objects.bulk_create(batch, batch_size=2500)
    print(f"# generated {Submission.objects.count():,} submissions in {clock.perf_counter() - started:.1f} s", flush=True)
    office = _office()
    today = timezone.localdate()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month: a whole month
    last = today.replace(day=1) - timedelta(days=1)

    def table():
        # A fresh user object each time, as in a request (scope is cached per user object).
        from fangxian.accounts.models import User

        rows = completeness_table(User.objects.get(pk=office.pk), forms, first, last)
        assert len(rows) == FORMS * ((last - first).days + 1)

    report("completeness_year_ms", median_ms(table), "ms")


def daily_summary() -> None:
    from django.utils import timezone

    from fangxian.org import demo as org_demo
    from fangxian.org.models import Student
    from fangxian.reports import demo as reports_demo
    from fangxian.reports.summary import summary_generate

    started = clock.perf_counter()
    org_demo.load(size=30_000, seed=20220714)
    reports_demo.load(size=30_000, seed=20220714)
    print(f"# demo university with {Student.objects.count():,} students loaded in {clock.perf_counter() - started:.1f} s", flush=True)
    day = timezone.localdate() - timedelta(days=1)
    timings = []
    for _ in range(3):
        began = clock.perf_counter()
        summary = summary_generate(day=day)
        timings.append(clock.perf_counter() - began)
    print(f"# summary of {day}: {summary.submitted}/{summary.expected} reported", flush=True)
    report("daily_summary_s", sorted(timings)[1], "s")


def run() -> None:
    setup_django("reports")
    completeness_year()
    # The summary needs its own database (the demo university, the shipped forms), and
    # Django connects to one database per process: run it in a fresh one.
    subprocess.run([sys.executable, "-m", "bench.bench_reports", "summary"], check=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["summary"]:
        setup_django("reports_summary")
        daily_summary()
    else:
        run()
