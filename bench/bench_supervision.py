"""The supervision desk's daily derivation over the 30,000-student demo university.

Loads every demo loader but the desk's own (org, ledger, reports, gates, dashboard roll-ups
…) at 30,000 students, then runs the derivation: every registered rule asked for its
proposals, the new ones stored.

    bench: supervision_derive_s      the first derivation of the day (proposals stored)
    bench: supervision_rederive_s    the same derivation again (nothing new: the idempotent path), best of 3
    bench: supervision_leads         how many leads the first run stored
"""

from __future__ import annotations

import time

from bench.harness import report, setup_django, timed

SIZE = 30_000


def run() -> None:
    setup_django("supervision")
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.storage = MemoryStorage("bench")
    HUEY.immediate = False

    from django.db import transaction
    from django.utils import timezone

    from fangxian.core.demo import loaders
    from fangxian.core.supervision import supervision_rules
    from fangxian.org.models import Student
    from fangxian.supervision import services
    from fangxian.supervision.models import Finding

    started = time.perf_counter()
    with transaction.atomic():
        for loader in loaders():
            if loader.name != "supervision":
                loader.load(size=SIZE, seed=20220714)
    print(f"# demo university of {Student.objects.count():,} students in {time.perf_counter() - started:.1f} s", flush=True)
    today = timezone.localdate()
    for rule in supervision_rules():
        seconds = timed(lambda rule=rule: list(rule.derive(today)))
        print(f"# rule {rule.key}: {seconds:.2f} s", flush=True)
    first = timed(lambda: services.derive(today))
    report("supervision_derive_s", first, "s")
    again = min(timed(lambda: services.derive(today)) for _ in range(3))
    report("supervision_rederive_s", again, "s")
    report("supervision_leads", Finding.objects.count())
