"""Privacy: what masking costs on a 1,000-row student list. The list is the API's (the
StudentSerializer, which masks ID numbers and phones) against the same serializer giving
the raw numbers, over the same rows; `mask_us_per_value` is the masks' own cost per value
(rows already read, with and without the two masks). Both sides are timed alternately in
the same run, medians of many repeats (the machine may be loaded). Also opening 30,000
sealed ID numbers (fangxian.core.sealed: what reading a whole university's numbers adds).
The 30,000-student purge (`purge_30k_s`) is measured at the end of bench_dashboard, on its year of scans."""

from __future__ import annotations

import gc
import statistics
import time

from bench.harness import median_ms, report, setup_django

SEED = 20220714
ROWS = 1000
REPEAT = 41


def _alternating(first, second, repeat: int = REPEAT) -> tuple[float, float]:
    """Medians (ms) of `first` and `second`, run one after the other `repeat` times, so a
    load that comes and goes weighs on both alike."""
    for _ in range(3):
        first(), second()
    a, b = [], []
    gc.collect()
    gc.disable()  # a collection falling in one side's run is not the masks' cost
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            first()
            a.append(time.perf_counter() - started)
            started = time.perf_counter()
            second()
            b.append(time.perf_counter() - started)
    finally:
        gc.enable()
    return statistics.median(a) * 1000, statistics.median(b) * 1000


def run() -> None:
    setup_django("privacy")
    from django.db import transaction
    from rest_framework import serializers

    from fangxian.core.demo import loaders
    from fangxian.core.personal import masked_fields, masker
    from fangxian.org.api import StudentSerializer
    from fangxian.org.models import Student

    with transaction.atomic():
        for loader in loaders():
            if loader.name in ("accounts", "org"):
                loader.load(size=ROWS + 200, seed=SEED)

    class RawStudentSerializer(StudentSerializer):
        id_number = serializers.CharField(read_only=True)
        phone = serializers.CharField(read_only=True)

    def students():
        return Student.objects.order_by("student_number")[:ROWS]

    def api_plain() -> list:
        return RawStudentSerializer(students(), many=True).data

    def api_masked() -> list:
        return StudentSerializer(students(), many=True).data

    sample = api_masked()[0]
    assert len(api_masked()) == ROWS and "*" in sample["id_number"] and "*" in sample["phone"]
    without, with_mask = _alternating(api_plain, api_masked)
    report("masked_list_overhead_ratio", round(with_mask / without, 3), "x")
    print(f"# list: {without:.2f} ms plain, {with_mask:.2f} ms masked", flush=True)

    # The masks' own cost, on rows already read (no query): microseconds per value.
    masks = masked_fields("org.Student")
    mask_id, mask_phone = masker(masks["id_number"]), masker(masks["phone"])
    rows = list(Student.objects.order_by("student_number").values_list("student_number", "name", "id_number", "phone")[:ROWS])

    def plain() -> list:
        return [[number, name, id_number, phone] for number, name, id_number, phone in rows]

    def masked() -> list:
        return [[number, name, mask_id(id_number), mask_phone(phone)] for number, name, id_number, phone in rows]

    assert "*" in masked()[0][2]
    without, with_mask = _alternating(plain, masked)
    report("mask_us_per_value", round((with_mask - without) * 1000 / (2 * ROWS), 3), "us")
    bench_sealed()


def bench_sealed() -> None:
    """Opening 30,000 distinct sealed ID numbers, as reading every student does (one
    AES-SIV decryption each), and sealing them (as a 30,000-row import does)."""
    from fangxian.core.sealed import forget_keys, seal, unseal

    plain = [f"620102{2000 + n % 7:04d}0101{n:04d}"[:18] for n in range(30_000)]
    stored = [seal(value) for value in plain]
    assert [unseal(value) for value in stored] == plain

    def cold() -> list:
        forget_keys()  # nothing remembered: every value decrypted
        return [unseal(value) for value in stored]

    report("sealed_decrypt_30k_ms", median_ms(cold, repeat=7), "ms")
    # Read again (the last 50,000 values opened are remembered).
    report("sealed_decrypt_30k_again_ms", median_ms(lambda: [unseal(value) for value in stored[:30_000]], repeat=7), "ms")
    report("sealed_encrypt_30k_ms", median_ms(lambda: [seal(value) for value in plain], repeat=7), "ms")
