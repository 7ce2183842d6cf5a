"""A year of a 30,000-student university for the benchmarks that need one: every boarder on
campus in the ledger (raw inserts of status spells, foreign-key checks off: their entries and
applications are not generated) and gate scans in bulk (COPY on PostgreSQL, INSERTs of many
rows on SQLite, with the secondary indexes built after the load). Used by bench_dashboard
and bench_purge; call after setup_django and the org demo."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.harness import bulk_insert, secondary_indexes_dropped

BATCH = 50_000
COLUMNS = [
    "scan_id", "campus_id", "gate_id", "direction", "method", "subject", "category", "display_name", "plate",
    "verdict", "reason", "nonce", "offline", "station_verdict", "scanned_at", "received_at",
]  # fmt: skip


def boarders_on_campus(first: date, until: date) -> list[tuple[int, int, int, int, int, int]]:
    """Every boarder on campus from `first` (one spell each, in a stay period to `until`):
    [(student, college, class, campus, building, bed)]."""
    from django.db import connection
    from django.utils import timezone

    from fangxian.ledger import services as ledger_services
    from fangxian.ledger.models import FOREVER
    from fangxian.org.models import Student, Unit

    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION).first()
    period = ledger_services.period_create(institution=institution, name="基准留校期", start_date=first, end_date=until, reasons=["考研"])
    colleges = set(Unit.objects.filter(kind=Unit.Kind.COLLEGE).values_list("pk", flat=True))
    boarders = []
    for pk, klass_id, klass_path, bed_id, bed_path in Student.objects.filter(bed__isnull=False).values_list(
        "pk", "klass_id", "klass__path", "bed_id", "bed__path"
    ):
        ids = [int(p) for p in klass_path.strip("/").split("/")]
        college = next((i for i in ids if i in colleges), ids[0])
        places = [int(p) for p in bed_path.strip("/").split("/")]
        boarders.append((pk, college, klass_id, places[0], places[1], bed_id))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF") if connection.vendor == "sqlite" else None
        cursor.executemany(
            "INSERT INTO ledger_statusspell (entry_id, student_id, period_id, status, valid_from, valid_to, college_id, klass_id,"
            " campus_id, building_id, bed_id, note, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(s, s, period.pk, "on_campus", first, FOREVER, c, k, cp, b, bed, "", now) for s, c, k, cp, b, bed in boarders],
        )
    return boarders


class ScanLoader:
    """Loads gate scans of the boarders spread evenly over `days` days from `first`, between
    06:00 and 23:00, 1 % refused; `load(count)` may be called again (the ids keep counting)."""

    def __init__(self, boarders, first: date, days: int, seed: int = 7):
        from django.db import connection
        from django.utils import timezone

        from fangxian.org.models import Place

        gates_by_campus: dict[int, list[int]] = {}
        for pk, path in Place.objects.filter(kind=Place.Kind.GATE).values_list("pk", "path"):
            gates_by_campus.setdefault(int(path.strip("/").split("/")[0]), []).append(pk)
        if not gates_by_campus:
            raise RuntimeError("the demo university has no gates")
        self.boarders, self.first, self.days = boarders, first, days
        self.rng = random.Random(seed)
        self.campuses = [b[3] for b in boarders]
        self.subjects = [f"S{b[0]}" for b in boarders]
        self.gates = {c: gates_by_campus.get(c) or next(iter(gates_by_campus.values())) for c in set(self.campuses)}
        self.tz = timezone.get_current_timezone()
        # Scan ids count up from a random start: as unique as uuid4's, but each lands at the end
        # of the UNIQUE index instead of at a random page of it (which, at millions of rows,
        # is a read from disk per row).
        self.next_id = self.rng.getrandbits(64) << 64
        self.as_uuid = connection.vendor == "postgresql"

    def load(self, count: int) -> None:
        per_day = max(1, count // self.days)
        done = 0
        randrange, random_, choice = self.rng.randrange, self.rng.random, self.rng.choice
        utc = ZoneInfo("UTC")
        with secondary_indexes_dropped("gates_scan"):
            rows = []
            for n in range(self.days):
                day = self.first + timedelta(days=n)
                # Stored as Django stores an aware datetime: UTC, as text on SQLite.
                base = datetime(day.year, day.month, day.day, 6, tzinfo=self.tz).astimezone(utc).replace(tzinfo=None)
                for _ in range(per_day if n < self.days - 1 else count - done):
                    who = randrange(len(self.boarders))
                    campus = self.campuses[who]
                    refused = random_() < 0.01
                    at = str(base + timedelta(seconds=randrange(17 * 3600)))
                    self.next_id += 1
                    scan_id = uuid.UUID(int=self.next_id) if self.as_uuid else f"{self.next_id:032x}"
                    gate = choice(self.gates[campus])
                    direction = "out" if random_() < 0.5 else "in"
                    verdict, reason = ("refused", "window") if refused else ("allowed", "ok")
                    rows.append(
                        (scan_id, campus, gate, direction, "pass", self.subjects[who], "student",
                         "", "", verdict, reason, "", False, "", at, at)
                    )  # fmt: skip
                    done += 1
                    if len(rows) >= BATCH:
                        bulk_insert("gates_scan", COLUMNS, rows)
                        rows = []
            if rows:
                bulk_insert("gates_scan", COLUMNS, rows)
