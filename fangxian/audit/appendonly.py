"""Append-only audit storage, enforced by the database: triggers refuse UPDATE and DELETE
on the security events and on the change log (auditlog's LogEntry), on PostgreSQL and on
SQLite, whoever sends the statement (the ORM, raw SQL, a database shell).

The one sanctioned deletion is `manage.py audit_purge`: inside its transaction it unlocks
the purge, and even then the triggers let through only rows older than RETENTION_DAYS.
(`manage.py flush`, which empties the whole database, unlocks everything on SQLite; on
PostgreSQL it uses TRUNCATE, which row triggers do not see.)"""

from __future__ import annotations

import contextlib
import threading

from .models import RETENTION_DAYS

# table: (the column with the row's time, the user column, every column). The one UPDATE
# allowed is the database's own ON DELETE SET NULL of the user column when an account is
# deleted (the event keeps its username): that column becomes NULL, nothing else changes.
# (test_integrity checks the column lists against the models.)
TABLES = {
    "audit_securityevent": (
        "at",
        "user_id",
        ["id", "kind", "at", "user_id", "username", "ip_address", "user_agent", "request_id", "detail"],
    ),
    "auditlog_logentry": (
        "timestamp",
        "actor_id",
        [
            "id",
            "content_type_id",
            "object_pk",
            "object_id",
            "object_repr",
            "serialized_data",
            "action",
            "changes_text",
            "changes",
            "actor_id",
            "cid",
            "remote_addr",
            "remote_port",
            "timestamp",
            "additional_data",
            "actor_email",
        ],
    ),
}

PURGE_SETTING = "fangxian.audit_purge"  # PostgreSQL: SET LOCAL within the purge's transaction
SQLITE_FUNCTION = "fangxian_audit_unlock"

# SQLite has no session settings: the triggers ask this connection's function instead.
# 0 locked, 1 purge (old rows only), 2 flush (everything: the whole database is being emptied).
_state = threading.local()

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION fangxian_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('{PURGE_SETTING}', true) = 'on'
       AND (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz < now() - interval '{RETENTION_DAYS} days' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(OLD) ->> TG_ARGV[1]) IS NOT NULL
       AND (to_jsonb(NEW) ->> TG_ARGV[1]) IS NULL
       AND (to_jsonb(NEW) - TG_ARGV[1]) = (to_jsonb(OLD) - TG_ARGV[1]) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit storage is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def forward_sql(vendor: str) -> list[str]:
    statements = []
    if vendor == "postgresql":
        statements.append(PG_FUNCTION)
        for table, (column, user_column, _columns) in TABLES.items():
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION fangxian_audit_append_only('{column}', '{user_column}');"
            )
    elif vendor == "sqlite":
        for table, (column, user_column, columns) in TABLES.items():
            unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns if c != user_column)
            statements.append(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"WHEN NOT (OLD.{user_column} IS NOT NULL AND NEW.{user_column} IS NULL AND {unchanged}) "
                f"BEGIN SELECT RAISE(ABORT, 'audit storage is append-only: UPDATE on {table} refused'); END;"
            )
            # Django stores SQLite times as UTC text ("YYYY-MM-DD HH:MM:SS.ffffff"), which
            # compares with datetime('now', …) as text.
            statements.append(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"WHEN NOT ({SQLITE_FUNCTION}() = 2 OR ({SQLITE_FUNCTION}() = 1 "
                f"AND OLD.{column} < datetime('now', '-{RETENTION_DAYS} days'))) "
                f"BEGIN SELECT RAISE(ABORT, 'audit storage is append-only: DELETE on {table} refused'); END;"
            )
    return statements


def reverse_sql(vendor: str) -> list[str]:
    statements = []
    if vendor == "postgresql":
        for table in TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        statements.append("DROP FUNCTION IF EXISTS fangxian_audit_append_only();")
    elif vendor == "sqlite":
        for table in TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_update;")
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete;")
    return statements


def _unlock_state() -> int:
    return getattr(_state, "mode", 0)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created: give every SQLite connection the function its triggers ask."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, _unlock_state)


@contextlib.contextmanager
def unlocked(connection, *, everything: bool = False):
    """Within the current transaction, let the triggers allow deleting rows older than the
    retention (or, `everything`, for emptying a SQLite database with flush)."""
    previous = _unlock_state()
    _state.mode = 2 if everything else 1
    try:
        if connection.vendor == "postgresql" and not everything:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        yield
    finally:
        _state.mode = previous
        if connection.vendor == "postgresql" and not everything:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])
