"""Screening rounds at the scale of a 30,000-student university.

- screening_coverage_30k_ms: the coverage of one round over 30,000 people (expected /
  sampled / missing per unit, class and dorm building, the first page of the missing by
  name, the abnormal tubes) for the office (aim: well under a second);
- screening_results_import_30k_s: the lab's result file with one row per person sampled
  (about 28,500 rows, matched by ID number) through ResultImporter (read, clean, check,
  write all-or-nothing; a few abnormal results notify their staff);
- screening_results_import_baseline_s: the floor for the same work, as the ledger bench
  measures it: read the same file with python-calamine, look the people up, and write the
  same results with raw executemany in one transaction;
- screening_results_import_ratio: the first divided by the second (aim: under 4).
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
    setup_django("screening")
    from django.urls import reverse
    from django.utils import timezone

    from fangxian.accounts.models import RoleGrant, User
    from fangxian.accounts.roles import Role
    from fangxian.org import demo as org_demo
    from fangxian.org.models import Place, Student, Unit
    from fangxian.screening import demo, selectors
    from fangxian.screening.models import LabMapping, Member, Round, Slot

    started = time.perf_counter()
    org_demo.load(size=SIZE, seed=20220714)
    print(f"# demo university of {Student.objects.count()} students in {time.perf_counter() - started:.1f} s", flush=True)
    office = User.objects.create(username="bench-office", full_name="防控办 基准")
    RoleGrant.objects.create(user=office, role=Role.PREVENTION_OFFICE)
    institution = Unit.objects.get(kind=Unit.Kind.INSTITUTION)
    campus = Place.objects.filter(kind=Place.Kind.CAMPUS).order_by("pk").first()
    site = Place.objects.filter(kind=Place.Kind.BUILDING, parent=campus).order_by("pk").first()
    now = timezone.now()
    round = Round.objects.create(
        institution=institution, name="基准", day=timezone.localdate(), starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=2)
    )
    slot = Slot.objects.create(round=round, place=site, starts_at=round.starts_at, ends_at=round.ends_at)
    # Everyone is expected (the population rule is the ledger's, benched there); units,
    # classes and buildings as the round's snapshot keeps them.
    college_of = {pk: int(path.strip("/").split("/")[1]) for pk, path in Unit.objects.filter(kind="class").values_list("pk", "path")}
    building_of = {pk: int(path.strip("/").split("/")[1]) for pk, path in Place.objects.filter(kind="bed").values_list("pk", "path")}
    members = [
        Member(round=round, student_id=pk, unit_id=college_of[klass], klass_id=klass, building_id=building_of.get(bed), slot=slot)
        for pk, klass, bed in Student.objects.order_by("pk").values_list("pk", "klass_id", "bed_id")
    ]
    Member.objects.bulk_create(members, batch_size=5000)
    round.expected = len(members)
    round.save(update_fields=["expected"])
    members = list(Member.objects.filter(round=round).order_by("pk"))
    demo._sample(round, members, site, office, random.Random(7), share=0.95, results=False)
    cov = selectors.coverage(office, round)
    print(f"# coverage: {cov.sampled}/{cov.expected} sampled, {len(cov.by_class)} classes, {len(cov.by_building)} buildings", flush=True)
    report("screening_coverage_30k_ms", median_ms(lambda: selectors.coverage(office, round), repeat=9), "ms")

    rows = list(
        Member.objects.filter(round=round, sampled_at__isnull=False)
        .exclude(student__id_number="")
        .values_list("student__id_number", flat=True)
    )
    rng = random.Random(11)
    results = ["阴性"] * len(rows)
    for index in rng.sample(range(len(rows)), 3):
        results[index] = "异常"
    data = _lab_file(rows, results)
    mapping = LabMapping.objects.create(
        institution=institution, lab="基准检验", key_kind="id_number", key_header="证件号码", result_header="结果"
    )
    # As the ledger bench does: drop the bench's own big lists (30,000 model objects) so
    # that the garbage collector's passes over them are timed in neither run, and start
    # both runs from a collected heap. The URLs are resolved once first, as a web process
    # has done before any import reaches it (the notice of an abnormal tube links to it).
    del members, rows, results
    reverse("screening:list")
    gc.collect()
    seconds = _import(data, office, round, mapping)
    gc.collect()
    baseline = _baseline(data, round)
    report("screening_results_import_baseline_s", baseline, "s")
    report("screening_results_import_ratio", seconds / baseline)


def _lab_file(id_numbers: list[str], results: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("结果")
    sheet.append(["序号", "姓名", "证件号码", "结果", "报告时间"])
    for index, (id_number, result) in enumerate(zip(id_numbers, results, strict=True), start=1):
        sheet.append([index, "", id_number, result, "2022-07-20 18:00"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(data: bytes, office, round, mapping) -> float:
    from fangxian.screening.importing import ResultImporter

    class Upload(io.BytesIO):
        size = len(data)

    importer = ResultImporter(user=office, round=round, mapping=mapping)
    result = {}
    seconds = timed(lambda: result.setdefault("report", importer.run(Upload(data))))
    import_report = result["report"]
    if not import_report.ok:
        raise RuntimeError(f"import failed: {[str(e) for e in import_report.errors[:5]]}")
    report("screening_results_import_rows", import_report.rows)
    report("screening_results_import_30k_s", seconds, "s")
    return seconds


def _baseline(data: bytes, round) -> float:
    """Read the same file with calamine, look the people up by ID number, and write the
    results with executemany in one transaction (the same tables: samples, then the single
    tubes); the results are set back afterwards (not timed)."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from fangxian.screening.models import Member, Sample

    words = {"阴性": "negative", "阳性": "positive", "异常": "abnormal"}

    def work():
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        samples = dict(Member.objects.filter(round=round, sample__isnull=False).values_list("student__id_number", "sample__pk"))
        updates = [(words[str(row[3])], samples[str(row[2])]) for row in rows[1:]]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {Sample._meta.db_table} SET result = %s WHERE id = %s", updates)

    seconds = timed(work)
    Sample.objects.filter(round=round).update(result="pending")
    return seconds
