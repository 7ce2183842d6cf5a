"""The organisation at the size of a large university (30,000 students): loading the demo
university, a counselor's scope, and the xlsx import of 30,000 students compared with the
least any import can do (read the file with calamine, executemany the rows)."""

from __future__ import annotations

import io
import os
import threading
import time

from bench.harness import median_ms, report, setup_django

SIZE = 30_000
SEED = 20220714


def run() -> None:
    setup_django("org")
    from django.db import transaction

    from fangxian.core.demo import loaders

    started = time.perf_counter()
    with transaction.atomic():
        # Only the organisation: the import below replaces every student, which other
        # modules' demo rows (ledger, reports, gates) would hold on to.
        for loader in loaders():
            if loader.name in ("accounts", "org"):
                loader.load(size=SIZE, seed=SEED)
    report("demo_load_30k_s", time.perf_counter() - started, "s")

    bench_scope()
    bench_coverage()
    bench_import()


def bench_scope() -> None:
    from fangxian.accounts.models import User
    from fangxian.accounts.roles import forget_roles
    from fangxian.org.scope import forget_scope, scope_of

    counselor = User.objects.get(username="counselor")

    def visible_students():
        forget_scope(counselor)
        forget_roles(counselor)
        return list(scope_of(counselor).students().values_list("pk", flat=True))

    count = len(visible_students())
    report("scope_counselor_ms", median_ms(visible_students), "ms")
    print(f"# the counselor sees {count} students", flush=True)


def bench_coverage() -> None:
    """The coverage-gap page of the prevention office (the whole university, today), and the
    report behind it on its own."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from fangxian.accounts.models import User
    from fangxian.org.coverage import coverage_report
    from fangxian.org.scope import scope_of

    settings.DEBUG = False
    office = User.objects.get(username="office")
    client = Client(HTTP_HOST="localhost")
    client.force_login(office)
    # The prevention office signs in with a second factor; mark this session as verified.
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _ = StaticDevice.objects.get_or_create(user=office, name="bench", defaults={"confirmed": True})
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    def page():
        response = client.get("/org/coverage/")
        if response.status_code != 200:
            raise RuntimeError(f"/org/coverage/ answered {response.status_code}")

    report("coverage_gaps_ms", median_ms(page, repeat=9), "ms")
    today = timezone.localdate()
    scope = scope_of(office)
    gaps = coverage_report(day=today, scope=scope)
    report("coverage_report_ms", median_ms(lambda: coverage_report(day=today, scope=scope), repeat=9), "ms")
    print(f"# coverage: {gaps.total} gaps", flush=True)


def student_file() -> tuple[bytes, int]:
    """The demo students as an office would keep them, one row each with the bed spelled
    out; then the students are removed so that the import creates all of them."""
    from openpyxl import Workbook

    from fangxian.org.models import Student

    header = ["学号", "姓名", "性别", "身份证号", "手机号", "学院", "班级", "校区", "楼栋", "房间", "床位", "状态"]
    genders = {"M": "男", "F": "女"}
    statuses = {"enrolled": "在读", "suspended": "休学", "graduated": "毕业", "withdrawn": "退学"}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学生")
    sheet.append(header)
    rows = Student.objects.order_by("student_number").values_list(
        "student_number",
        "name",
        "gender",
        "id_number",
        "phone",
        "klass__parent__parent__parent__name",
        "klass__name",
        "bed__parent__parent__parent__name",
        "bed__parent__parent__name",
        "bed__parent__name",
        "bed__name",
        "status",
    )
    count = 0
    for number, name, gender, id_number, phone, college, klass, campus, building, room, bed, status in rows:
        sheet.append([number, name, genders[gender], id_number, phone, college, klass, campus, building, room, bed, statuses[status]])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    clear_students()
    return buffer.getvalue(), count


def clear_students() -> None:
    from fangxian.org.models import Assignment, Student

    Assignment.objects.filter(student__isnull=False)._raw_delete(Assignment.objects.db)
    Student.objects.all()._raw_delete(Student.objects.db)


def bench_import() -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangxian.accounts.models import User
    from fangxian.org.imports import StudentImporter
    from fangxian.org.models import Student

    data, count = student_file()
    # Time the import as it runs in production: with DEBUG on, Django also formats every
    # query's parameters for connection.queries (about a second for 30,000 rows).
    settings.DEBUG = False
    office = User.objects.get(username="office")
    timings = []
    peaks = []
    for attempt in range(2):
        if attempt:
            clear_students()
        started = time.perf_counter()
        with PeakRss() as peak:
            result = StudentImporter(user=office).run(SimpleUploadedFile("students.xlsx", data))
        timings.append(time.perf_counter() - started)
        peaks.append(peak.mb)
        if not result.ok or result.created != count:
            raise RuntimeError(f"import failed: {[str(e) for e in result.errors[:5]]}")
    if Student.objects.count() != count:
        raise RuntimeError("the import did not create every student")
    imported = min(timings)
    baseline = min(baseline_import(data) for _ in range(3))
    report("import_students_30k_s", imported, "s")
    report("import_students_baseline_s", baseline, "s")
    report("import_students_ratio", imported / baseline)
    # The importing process's resident memory at its highest during the 30,000-row import
    # (sampled). The reading child runs in its own limits (core.xlsx.READ_MEMORY_BYTES).
    report("import_peak_rss_mb", min(peaks), "MB")
    bench_bounded_reject()


class PeakRss:
    """Samples this process's resident set size every 5 ms while the block runs."""

    def __enter__(self):
        self.mb = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.mb = max(self.mb, self._rss())

    def _sample(self):
        while not self._stop.wait(0.005):
            self.mb = max(self.mb, self._rss())

    @staticmethod
    def _rss() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def bench_bounded_reject() -> None:
    """Time to refuse a 6 KB workbook whose used range is the whole sheet (one styled cell
    at XFD1048576, dimension A1:XFD1048576): it must be refused before any reader sizes a
    grid by it."""
    import zipfile

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangxian.org.imports import StudentImporter

    workbook = openpyxl.Workbook()
    workbook.active.append(["学号", "姓名", "性别", "班级"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:D1"/>', b'<dimension ref="A1:XFD1048576"/>')
                content = content.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')
            target.writestr(item, content)
    data = out.getvalue()

    def refuse():
        result = StudentImporter().run(SimpleUploadedFile("whole-sheet.xlsx", data))
        if result.ok:
            raise RuntimeError("the whole-sheet workbook was not refused")

    report("import_bounded_reject_ms", median_ms(refuse), "ms")


def baseline_import(data: bytes) -> float:
    """Read the file with calamine and insert its rows with one executemany: what no import
    can beat. Class and bed ids are looked up in dicts built before the clock starts."""
    from django.db import connection, transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from fangxian.org.models import Place, Student, Unit

    clear_students()
    institution = Unit.objects.get(kind=Unit.Kind.INSTITUTION)
    classes = dict(Unit.objects.filter(kind=Unit.Kind.CLASS).values_list("name", "pk"))
    beds = {
        (campus, building, room, bed): pk
        for pk, bed, room, building, campus in Place.objects.filter(kind=Place.Kind.BED).values_list(
            "pk", "name", "parent__name", "parent__parent__name", "parent__parent__parent__name"
        )
    }
    genders = {"男": "M", "女": "F"}
    statuses = {"在读": "enrolled", "休学": "suspended", "毕业": "graduated", "退学": "withdrawn"}
    table = Student._meta.db_table
    sql = (
        f"INSERT INTO {table} (institution_id, student_number, name, gender, id_number, phone, klass_id, bed_id, status, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    started = time.perf_counter()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    now = timezone.now()
    params = [
        (
            institution.pk,
            str(number),
            name,
            genders[gender],
            str(id_number),
            str(phone),
            classes[klass],
            beds.get((campus, building, str(room), bed)) if bed else None,
            statuses[status],
            now,
        )
        for number, name, gender, id_number, phone, _college, klass, campus, building, room, bed, status in rows[1:]
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return time.perf_counter() - started
