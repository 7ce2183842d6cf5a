"""Privacy: what masking costs on a 1,000-row student list (the API's serializer, which
masks ID numbers and phones, against the same rows with the raw numbers), and opening
30,000 sealed ID numbers (fangxian.core.sealed: what reading a whole university's numbers
adds). The 30,000-student purge (`purge_30k_s`) is not measured yet."""

from __future__ import annotations

from bench.harness import median_ms, report, setup_django

SEED = 20220714
ROWS = 1000


def run() -> None:
    setup_django("privacy")
    from django.db import transaction

    from fangxian.core.demo import loaders
    from fangxian.core.personal import mask_value, masked_fields
    from fangxian.org.models import Student

    with transaction.atomic():
        for loader in loaders():
            if loader.name in ("accounts", "org"):
                loader.load(size=ROWS + 200, seed=SEED)
    masks = masked_fields("org.Student")
    fields = ("student_number", "name", "id_number", "phone")

    def plain() -> list:
        return [list(row) for row in Student.objects.order_by("student_number").values_list(*fields)[:ROWS]]

    def masked() -> list:
        rows = []
        for number, name, id_number, phone in Student.objects.order_by("student_number").values_list(*fields)[:ROWS]:
            rows.append([number, name, mask_value(id_number, masks["id_number"]), mask_value(phone, masks["phone"])])
        return rows

    assert len(masked()) == ROWS
    without = median_ms(plain, repeat=15)
    with_mask = median_ms(masked, repeat=15)
    report("masked_list_overhead_ratio", round(with_mask / without, 3), "x")
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
