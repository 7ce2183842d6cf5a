"""The stay ledger at the scale of a 30,000-student university.

- import_ledger_30k_s: import a stay list with one row per boarder (about 27,000 rows: the
  demo university's boarders) through StayImporter (read, clean, check, write);
- import_ledger_baseline_s: the floor for the same work: read the same file with
  python-calamine and insert the same rows with raw executemany into the same tables;
- import_ledger_ratio: the first divided by the second (aim: under 4);
- ledger_on_date_ms: on-campus counts for one past day cut by college and by category
  (aim: under 100 ms), over a second period whose histories fill the past weeks;
- export_ledger_30k_s: the xlsx export of the imported period for the office.

The import defers the one-to-one assignments to a job after the commit (as in production);
the bench keeps that job in memory and times it separately.
"""

from __future__ import annotations

import gc
import io
import random
import time
from datetime import timedelta

from bench.harness import median_ms, report, setup_django, timed

SIZE = 30_000


def run() -> None:
    setup_django("ledger")
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.storage = MemoryStorage("bench")  # never leave bench jobs in the developer's queue
    HUEY.immediate = False

    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, SecurityPolicy, User
    from fangxian.accounts.roles import Role
    from fangxian.core.exports import ExportMode
    from fangxian.core.xlsx import watermark_for
    from fangxian.ledger import demo, selectors, services
    from fangxian.ledger.exports import export_ledger
    from fangxian.ledger.models import StatusSpell
    from fangxian.org import demo as org_demo
    from fangxian.org.models import Student, Unit

    started = time.perf_counter()
    org_demo.load(size=SIZE, seed=20220714)
    print(f"# demo university of {Student.objects.count()} students in {time.perf_counter() - started:.1f} s", flush=True)
    office = User.objects.create(username="bench-office", full_name="防控办 基准")
    RoleGrant.objects.create(user=office, role=Role.PREVENTION_OFFICE)
    institution = Unit.objects.get(kind=Unit.Kind.INSTITUTION)
    today = timezone.localdate()
    period = services.period_create(
        institution=institution, name="2022 暑假", start_date=today, end_date=today + timedelta(days=52), reasons=demo.REASONS
    )
    demo_categories(institution)

    data = _stay_file(period)
    seconds = _import(data, office, period)
    jobs = HUEY.pending_count()
    job_seconds = timed(lambda: [HUEY.execute(task) for task in iter(HUEY.dequeue, None)])
    report("import_ledger_one_to_one_job_s", job_seconds, "s")
    print(f"# {jobs} deferred job(s)", flush=True)

    other = services.period_create(
        institution=institution, name="基准", start_date=today, end_date=today + timedelta(days=52), reasons=demo.REASONS
    )
    baseline = _baseline(connection, data, other)
    report("import_ledger_baseline_s", baseline, "s")
    report("import_ledger_ratio", seconds / baseline)

    # History for the on-date counts: a past period in which every boarder stayed.
    past = services.period_create(
        institution=institution,
        name="2022 寒假",
        start_date=today - timedelta(days=70),
        end_date=today - timedelta(days=10),
        reasons=demo.REASONS,
    )
    demo._bulk_history(random.Random(3), past, list(Student.objects.filter(bed__isnull=False).select_related("klass", "user")), today)
    day = past.start_date + timedelta(days=20)
    # Drop the bench's own big lists (the file's rows, 27,000 model objects) so that the
    # garbage collector's passes over them are not timed as part of the query.
    del data
    gc.collect()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # as SQLite does by itself after a burst of writes
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"# {StatusSpell.objects.count()} status spells", flush=True)

    def on_date():
        spells = selectors.visible_spells(office).on_campus(day)
        by_college = list(spells.values("college_id").annotate(n=Count("id")).order_by())
        by_category = selectors.category_counts(spells, day)
        return by_college, by_category

    by_college, by_category = on_date()
    print(f"# on {day}: {sum(r['n'] for r in by_college)} on campus in {len(by_college)} colleges; {by_category}", flush=True)
    report("ledger_on_date_ms", median_ms(on_date), "ms")

    f = selectors.LedgerFilter(day=today, period=period.pk)
    mode = ExportMode(False, None, watermark_for(office))  # masked, as every export is without an approved grant
    # The export's own cost, not the security admin's approval of a 30,000-row file.
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"export_approval_rows": 1_000_000})
    export_result = {}
    export_seconds = timed(
        lambda: export_result.setdefault("x", export_ledger(user=office, spells=selectors.ledger_spells(office, f), f=f, mode=mode))
    )
    print(f"# export: {export_result['x'][1]} rows, {len(export_result['x'][0]) / 1e6:.1f} MB", flush=True)
    report("export_ledger_30k_s", export_seconds, "s")


def _stay_file(period) -> bytes:
    """One row per boarder, in the format offices fill in."""
    from fangxian.core.xlsx import Sheet, write_workbook
    from fangxian.ledger import demo
    from fangxian.ledger.importing import StayImporter
    from fangxian.org.models import Student

    students = list(Student.objects.filter(bed__isnull=False).select_related("bed__parent__parent").order_by("pk"))
    rng = random.Random(7)
    header = [c.header for c in StayImporter.columns]
    rows = []
    for s in students:
        bed = s.bed
        rows.append(
            [
                s.student_number,
                s.name,
                s.id_number,
                period.start_date.isoformat(),
                period.end_date.isoformat(),
                rng.choice(demo.REASONS),
                "",
                f"{bed.parent.parent.name}-{bed.parent.name}-{bed.name}",
                s.name[0] + "父",
                "13900000000",
                s.name[0] + "父",
                "13900000000",
                rng.choice(["", "", "", "封闭管理", "经济困难", "封闭管理、心理关注"]),
                "是",
            ]
        )
    data = write_workbook([Sheet("留校名单", header, rows)])
    print(f"# file: {len(rows)} rows, {len(data) / 1e6:.1f} MB", flush=True)

    return data


def _import(data: bytes, office, period) -> float:
    from fangxian.ledger.importing import StayImporter

    class Upload(io.BytesIO):
        size = len(data)

    importer = StayImporter(user=office, period=period)
    result = {}
    seconds = timed(lambda: result.setdefault("report", importer.run(Upload(data))))
    import_report = result["report"]
    if not import_report.ok:
        raise RuntimeError(f"import failed: {[str(e) for e in import_report.errors[:5]]}")
    report("import_ledger_rows", import_report.created)
    report("import_ledger_30k_s", seconds, "s")
    return seconds


def demo_categories(institution) -> None:
    from fangxian.ledger import demo
    from fangxian.ledger.models import Category

    for order, (code, name, kind, tone) in enumerate(demo.CATEGORIES):
        Category.objects.get_or_create(
            institution=institution, code=code, defaults={"name": name, "kind": kind, "tone": tone, "sort_order": order}
        )


def _baseline(connection, data: bytes, period) -> float:
    """Read the same file with calamine and insert the same rows with executemany into the
    same tables (applications, entries, status spells, bed spells), with the lookups the
    rows need (student, class → college, bed → campus and building), committed in one
    transaction like the import; the rows are deleted again afterwards (not timed)."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from fangxian.ledger.models import FOREVER, BedSpell, LedgerEntry, StatusSpell, StayApplication
    from fangxian.org.models import Place, Student, Unit

    def work():
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        students = {n: (pk, k, b) for n, pk, k, b in Student.objects.values_list("student_number", "pk", "klass_id", "bed_id")}
        college = {pk: int(path.split("/")[2]) for pk, path in Unit.objects.filter(kind="class").values_list("pk", "path")}
        place = {pk: path.split("/") for pk, path in Place.objects.filter(kind="bed").values_list("pk", "path")}
        reason = period.reasons.first().pk
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        until = FOREVER.isoformat()
        with transaction.atomic(), connection.cursor() as cursor:
            app_id = (StayApplication.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
            entry_id = (LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
            apps, entries, spells, beds = [], [], [], []
            for n, row in enumerate(rows[1:]):
                pk, klass, bed = students[str(row[0])]
                parts = place[bed]
                campus, building, start = int(parts[1]), int(parts[2]), str(row[3])
                apps.append(
                    (
                        app_id + n,
                        period.pk,
                        pk,
                        start,
                        str(row[4]),
                        reason,
                        "",
                        bed,
                        row[8],
                        row[9],
                        row[10],
                        row[11],
                        now,
                        "confirmed",
                        "import",
                        "",
                        "",
                        now,
                        1,
                    )
                )
                entries.append(
                    (entry_id + n, app_id + n, period.pk, pk, "approved", start, 1, college[klass], klass, campus, building, bed, now)
                )
                spells.append(
                    (entry_id + n, pk, period.pk, "approved", start, until, college[klass], klass, campus, building, bed, "", now)
                )
                beds.append((entry_id + n, pk, bed, start, until))
            a, e, s, b = (m._meta.db_table for m in (StayApplication, LedgerEntry, StatusSpell, BedSpell))
            cursor.executemany(
                f"INSERT INTO {a} (id, period_id, student_id, start_date, end_date, reason_id, reason_note, bed_id, emergency_contact, "
                "emergency_phone, parent_name, parent_phone, pledge_agreed_at, stage, source, counselor_comment, college_comment, "
                "created_at, version) VALUES (" + ", ".join(["%s"] * 19) + ")",
                apps,
            )
            cursor.executemany(
                f"INSERT INTO {e} (id, application_id, period_id, student_id, status, status_since, version, college_id, klass_id, "
                "campus_id, building_id, bed_id, updated_at) VALUES (" + ", ".join(["%s"] * 13) + ")",
                entries,
            )
            cursor.executemany(
                f"INSERT INTO {s} (entry_id, student_id, period_id, status, valid_from, valid_to, college_id, klass_id, campus_id, "
                "building_id, bed_id, note, changed_at) VALUES (" + ", ".join(["%s"] * 13) + ")",
                spells,
            )
            cursor.executemany(f"INSERT INTO {b} (entry_id, student_id, bed_id, valid_from, valid_to) VALUES (%s, %s, %s, %s, %s)", beds)

    seconds = timed(work)
    # Clean up with plain DELETEs (the ORM would load every row to send the audit signals).
    with transaction.atomic(), connection.cursor() as cursor:
        a, e, s, b = (m._meta.db_table for m in (StayApplication, LedgerEntry, StatusSpell, BedSpell))
        cursor.execute(f"DELETE FROM {s} WHERE entry_id IN (SELECT id FROM {e} WHERE period_id = %s)", [period.pk])
        cursor.execute(f"DELETE FROM {b} WHERE entry_id IN (SELECT id FROM {e} WHERE period_id = %s)", [period.pk])
        cursor.execute(f"DELETE FROM {e} WHERE period_id = %s", [period.pk])
        cursor.execute(f"DELETE FROM {a} WHERE period_id = %s", [period.pk])
    return seconds
