"""The scan table is the one every gate writes to on every scan: each index on it is paid
for on every INSERT, so it carries only the indexes something reads."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_scan_table_carries_only_indexes_that_are_read():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "gates_scan")
    indexed = sorted(tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"] or c["primary_key"])
    assert indexed == sorted(
        [
            ("id",),  # primary key
            ("scan_id",),  # a re-sent scan is stored once
            ("used_nonce",),  # a pass is good once
            ("gate_id", "scanned_at"),  # a gate's scans; also serves gate_id alone
            ("campus_id", "scanned_at"),  # presence and a campus's scans; also serves campus_id alone
            ("subject", "scanned_at"),  # a person's last scan
            ("device_id",),  # deleting a device (PROTECT)
            ("guard_id",),  # deleting a user (PROTECT)
        ]
    )
