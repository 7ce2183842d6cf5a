"""Pass holders by subject ("S12", "T7", "V3"): one at a time (fast path for a scan) or in bulk."""

from __future__ import annotations

from django.db import connection

from fangxian.org.models import Staff, Student

from ..models import Visit
from ..selectors import split_subject

PEOPLE_QUERYSETS = {
    "S": lambda: Student.objects.all(),  # resolvers load related rows only if they need them
    "T": lambda: Staff.objects.select_related("unit"),
    "V": lambda: Visit.objects.select_related("host"),
}


_ROW_READERS: dict = {}


def _row_reader(model) -> tuple[str, list[str], list]:
    """SELECT of one row of `model` by primary key, the column names, and per column the
    backend's converters (dates on SQLite, for instance): built once per database vendor."""
    key = (connection.vendor, model)
    if key not in _ROW_READERS:
        qn = connection.ops.quote_name
        fields = model._meta.concrete_fields
        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = %s"  # noqa: S608  (identifiers only)
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((index, column, found))
        _ROW_READERS[key] = (sql, [f.attname for f in fields], converters)
    return _ROW_READERS[key]


def _student_by_pk(pk: int) -> Student | None:
    """One student by primary key: the commonest lookup of a scan, as a plain SELECT whose
    row becomes the model as the ORM would make it (compiling the query costs several times
    the query itself)."""
    sql, names, converters = _row_reader(Student)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, column, found in converters:
        for convert in found:
            row[index] = convert(row[index], column, connection)
    return Student.from_db(connection.alias, names, row)


def _person_for_subject(subject: str, people: dict | None = None):
    if people is not None and subject in people:
        return people[subject]
    kind, pk = split_subject(subject) or ("", 0)
    if kind not in PEOPLE_QUERYSETS:
        return None
    if kind == "S":
        return _student_by_pk(pk)
    return next(iter(PEOPLE_QUERYSETS[kind]().filter(pk=pk).order_by()[:1]), None)


def people_for_subjects(subjects) -> dict:
    """Holders by subject ("S12", "T7", "V3"), one query per kind (for a batch of scans)."""
    wanted: dict[str, list[int]] = {}
    for subject in subjects:
        kind, pk = split_subject(subject) or ("", 0)
        if kind in PEOPLE_QUERYSETS:
            wanted.setdefault(kind, []).append(pk)
    people: dict = {}
    for kind, pks in wanted.items():
        for person in PEOPLE_QUERYSETS[kind]().filter(pk__in=pks).order_by():
            people[f"{kind}{person.pk}"] = person
    return people
