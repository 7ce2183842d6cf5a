"""Privacy: what masking costs on a 1,000-row student list (the API's serializer, which
masks ID numbers and phones, against the same rows with the raw numbers). The 30,000-student
purge (`purge_30k_s`) is not measured yet."""

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
