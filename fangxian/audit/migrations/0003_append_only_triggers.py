"""Audit storage append-only in the database (see fangxian/audit/appendonly.py)."""

from django.db import migrations

from fangxian.audit.appendonly import forward_sql, reverse_sql


def forward(apps, schema_editor):
    for statement in forward_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    for statement in reverse_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_securityevent_refused_personal_view_purged"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(forward, backward)]
