"""Drop three indexes of the scan table that nothing reads, since every scan writes each
index: campus_id and gate_id alone (their lookups use the (campus, scanned_at) and
(gate, scanned_at) indexes) and nonce (a used nonce is looked up by used_nonce); and on
PostgreSQL the two varchar_pattern_ops ("_like") indexes Django adds beside nonce's and
used_nonce's, which serve only LIKE queries (there are none on these columns).

The indexes are dropped by name, rather than by AlterField, because AlterField would
rebuild the whole table on SQLite and drop and re-validate the foreign keys on PostgreSQL:
on a scan table of millions of rows, minutes of downtime for nothing."""

import django.db.models.deletion
from django.db import migrations, models

SINGLE_COLUMN = {
    "gates_scan_campus_id_cff028fe": "campus_id",
    "gates_scan_gate_id_fb315b8a": "gate_id",
    "gates_scan_nonce_c3d6c48b": "nonce",
}
POSTGRES_LIKE = {"gates_scan_nonce_c3d6c48b_like": "nonce", "gates_scan_used_nonce_9a076536_like": "used_nonce"}


def drop_indexes(apps, schema_editor):
    for name in [*SINGLE_COLUMN, *POSTGRES_LIKE]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_indexes(apps, schema_editor):
    for name, column in SINGLE_COLUMN.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "gates_scan" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        for name, column in POSTGRES_LIKE.items():
            schema_editor.execute(f'CREATE INDEX "{name}" ON "gates_scan" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):
    dependencies = [
        ("gates", "0002_encrypt_signing_keys"),
        ("org", "0002_person_photo"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="scan",
                    name="campus",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.place"),
                ),
                migrations.AlterField(
                    model_name="scan",
                    name="gate",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="gate_scans", to="org.place"
                    ),
                ),
                migrations.AlterField(model_name="scan", name="nonce", field=models.CharField(blank=True, max_length=24)),
            ],
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
        ),
    ]
