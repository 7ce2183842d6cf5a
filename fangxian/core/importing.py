"""All-or-nothing spreadsheet imports.

An `Importer` declares its columns; `run()` reads the file (see core.xlsx), cleans every
cell, lets the subclass check the rows against the database in bulk, and writes only when
no row has an error, inside one transaction. "Check only" stops before writing. Errors are
reported as "第 N 行 · 列名 · 问题", on screen and as a copy of the file with an error
column. Importing the same file twice changes nothing the second time: subclasses match
rows on a natural key and count created / updated / unchanged.
"""

from __future__ import annotations

import gc
import hashlib
import re
import unicodedata
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, ClassVar

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from . import idnumber, sealed
from .signals import import_recorded
from .xlsx import (
    HEADER_SEARCH_ROWS,
    ExcelError,
    ReadWorkbook,
    Sheet,
    SpreadsheetError,
    check_upload,
    clean_identifier,
    clean_name,
    clean_text,
    digits_damaged,
    digits_damaged_text,
    identifier_of,
    parse_date,
    read_upload,
    write_workbook,
)

TEXT, INTEGER, DATE, ID_NUMBER, PHONE, CHOICE, BOOLEAN = "text", "integer", "date", "id_number", "phone", "choice", "boolean"
# IDENTIFIER: a number that names a row (学号, 工号): no invisible or spacing characters at
# all. NAME: a person's name: ends trimmed, inner characters kept as written (no NFKC, which
# would change compatibility ideographs some names are written with).
IDENTIFIER, NAME = "identifier", "name"
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
# A row whose first cell starts with one of these ends the table: offices sign and total
# their sheets at the bottom (填表人：张三  审核人：李四  合计 30 人).
TABLE_END = ("填表人", "审核人", "制表人", "合计", "总计", "小计", "负责人签字", "签字", "注：", "注:", "说明：", "说明:")
# Sheets of our own template that are not data.
HELP_SHEETS = {"Column help", "填写说明", "列说明"}
HIDDEN_SKIP, HIDDEN_INCLUDE = "skip", "include"
_YES = {"是", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "n", "no", "false", "0", "×", ""}


@dataclass(frozen=True)
class Column:
    """One column of an import file. `header` is the Chinese column title of the file
    format (data, like a field name, so it is not translated); `aliases` are other titles
    accepted for the same column."""

    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    max_length: int = 100
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); either is accepted
    example: str = ""
    help: str = ""

    def names(self) -> set[str]:
        return {normalize_header(name) for name in (self.header, self.key, *self.aliases)}


# Bracketed notes that only annotate a header ("身份证号（必填）", "手机号(11位)"); any
# other bracketed text is part of the header's meaning: "联系电话（家长）" is not the
# student's own 联系电话.
_HEADER_NOTE = re.compile(r"[(\[【]\s*(必填|选填|可选|可不填|非必填|必须填写|必须|\d+\s*位|文本|文本格式|如.*|例.*|格式.*|请.*)\s*[)\]】]")


def normalize_header(text: object) -> str:
    text = unicodedata.normalize("NFKC", clean_text(text)).lower()
    text = _HEADER_NOTE.sub("", text)  # "身份证号（必填）" → "身份证号"
    return re.sub(r"[\s*：:]", "", text)


@dataclass
class RowError:
    row: int  # row number as Excel shows it; 0 for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"{self.column} · {self.message}" if self.column else str(self.message)
        return _("Row %(row)s · %(column)s · %(problem)s") % {"row": self.row, "column": self.column or "—", "problem": self.message}


@dataclass
class Row:
    number: int
    values: dict[str, object]
    raw: list[object] = field(default_factory=list)

    def __getitem__(self, key: str) -> object:
        return self.values[key]

    def get(self, key: str, default=None):
        return self.values.get(key, default)


@dataclass
class ImportReport:
    title: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_file: bytes | None = None
    notes: list[str] = field(default_factory=list)  # how the file was read: sheets, hidden rows, the table's end
    batch: str = ""  # id of the run in the change log (auditlog cid) and the import event
    batch_id: int | None = None  # the ImportBatch written for an import that changed something
    changes: list[tuple[str, dict]] = field(default_factory=list)  # (row label, {field: (old, new)}) of changed rows, for the preview
    questions: bool = False  # errors are choices the user must make (sheet, hidden rows) before anything is read

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportOptions:
    """Choices made on the import form."""

    sheet: str = ""  # name of the sheet to read; "" → the only sheet with data
    hidden_rows: str = ""  # HIDDEN_SKIP, HIDDEN_INCLUDE; "" → ask when there are any
    hidden_columns: str = ""
    blanks_clear: bool = False  # a blank cell in a present column clears the field
    create: bool = False  # the import may create units and places that do not exist

    @classmethod
    def from_post(cls, post) -> ImportOptions:
        def choice(name: str) -> str:
            value = post.get(name, "")
            return value if value in (HIDDEN_SKIP, HIDDEN_INCLUDE) else ""

        return cls(
            sheet=clean_name(post.get("sheet", ""))[:31],
            hidden_rows=choice("hidden_rows"),
            hidden_columns=choice("hidden_columns"),
            blanks_clear=bool(post.get("blanks_clear")),
            create=bool(post.get("create")),
        )


def _filled(cell: object) -> str | None:
    """A cell's text (`clean_text`) when it holds something, None when it is empty. Most
    cells are numbers or plain ASCII text, told filled without cleaning them."""
    if cell is None:
        return None
    if type(cell) is str and cell.isascii():
        return clean_text(cell) if cell and not cell.isspace() else None
    text = clean_text(cell)
    return text if text else None


def normalize_phone(text: str) -> str:
    """Phones as offices type them: 139-1234-5678, 139 1234 5678, +86 139…, 86-139…,
    (0931)8765432. Landlines keep one dash after the area code."""
    value = re.sub(r"[\s\u2010-\u2015.]", "", text).replace("（", "(").replace("）", ")")
    value = re.sub(r"^(\+?86|0086)-?(?=1\d{10}$|1\d{2}-)", "", value)
    if re.fullmatch(r"1\d{2}-?\d{4}-?\d{4}", value):
        return value.replace("-", "")
    match = re.fullmatch(r"\((0\d{2,3})\)-?(\d{7,8}(-\d{1,6})?)", value)
    return f"{match.group(1)}-{match.group(2)}" if match else value


class Masked(str):
    """A number cell as a masked export writes it (6201**********123X, 138****5678). An
    importer that reads its own exports back (`masked_cells`) lets it stand for the number
    stored for that same person when the stored number masks the same way (`keep_masked`);
    a masked cell left unresolved after `validate` is refused, so it is never stored."""

    __slots__ = ()


_MASK_CHARS = str.maketrans("＊", "*")


def masked_form(kind: str, stored: str) -> str:
    """How an export masks a stored ID number or phone, read back as `clean_cell` reads
    the masked cell (so the two compare equal)."""
    if kind == ID_NUMBER:
        return idnumber.normalize(idnumber.mask(stored))
    return normalize_phone(idnumber.mask_phone(stored))


PREVIEW_LIMIT = 500


class _Rollback(Exception):
    """Ends a "check only" run's transaction."""


def _json(value: object) -> object:
    """A field value as the undo record keeps it (JSON)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of one import. A file of
    30,000 rows makes a few hundred thousand new lists, dicts and rows, none of them
    garbage; each hundred thousand or so starts a full collection that walks the whole
    process (Django, the request, every cached object) to find nothing, which cost more
    than cleaning the cells. The file is bounded (core.xlsx.MAX_CELLS), so is what the
    pause lets accumulate; reference counting still frees everything as usual, and the
    collector resumes as it was afterwards (nested or concurrent runs leave it to the
    outermost one)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ImportAborted(Exception):
    """Raised by `apply()` to roll the whole import back with row errors."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


class Importer(ABC):
    """Subclass and set `name`, `title`, `columns`, `key`; implement `validate` and `apply`."""

    name: ClassVar[str]
    title: ClassVar[str]
    columns: ClassVar[list[Column]]
    key: ClassVar[tuple[str, ...]] = ()  # columns that identify a row; duplicates are errors
    template_notes: ClassVar[list[str]] = []
    # The file the import page asks for; an import that reads something else than a
    # workbook (photos in a ZIP archive) overrides `run` and these.
    file_label: ClassVar = gettext_lazy("Excel file (.xlsx)")
    accept: ClassVar[str] = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    missing_file: ClassVar = gettext_lazy("Choose an .xlsx file to upload.")
    has_template: ClassVar[bool] = True
    blanks_option: ClassVar[bool] = False  # the form offers "a blank cell clears the field"
    exportable: ClassVar[bool] = False  # has export_rows(): the list in this import's columns
    undoable: ClassVar[bool] = False  # every write goes through log_changes, so the batch can be undone
    creates_nodes: ClassVar[bool] = False  # the form offers "create missing units and places"
    # A masked ID number or phone (as this platform's exports write them) is read as a
    # `Masked` cell that `validate` resolves with `keep_masked` against the person's stored
    # number; False: a masked number is refused when the cell is read.
    masked_cells: ClassVar[bool] = False

    def __init__(self, *, user=None):
        self.user = user
        self.options = ImportOptions()
        self.present: set[str] = set()  # keys of the columns the file has
        self._skip_rows: set[int] = set()
        self._skip_columns: set[int] = set()
        self._notes: list[str] = []
        # Ties every change-log entry and the import event of one run together.
        self.batch = uuid.uuid4().hex

    # -- to override -------------------------------------------------------------
    year_of = None  # (month, day) → year, for dates written without a year (12月10日)

    def validate(self, rows: list[Row]) -> list[RowError]:
        """Check the rows against the database in bulk (no writes). Fill `row.values`
        with resolved objects for `apply`."""
        return []

    @abstractmethod
    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        """Write the rows; return (created, updated, unchanged). Runs in a transaction."""

    # -- the machinery -------------------------------------------------------------
    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def error(self, row: Row | int, key: str, message: str) -> RowError:
        number = row.number if isinstance(row, Row) else row
        header = self.column(key).header if key else ""
        return RowError(number, header, message)

    def run(self, upload: IO[bytes], *, dry_run: bool = False, options: ImportOptions | None = None) -> ImportReport:
        with collector_paused():
            return self._run(upload, dry_run=dry_run, options=options)

    def _run(self, upload: IO[bytes], *, dry_run: bool, options: ImportOptions | None) -> ImportReport:
        self.options = options or ImportOptions()
        self.batch = uuid.uuid4().hex
        self._created_refs: list[list] = []
        self._changed_refs: list[list] = []
        self._preview: list[tuple[str, dict]] = []
        report = ImportReport(title=str(self.title), dry_run=dry_run, batch=self.batch)
        try:
            data = check_upload(upload)
            self._file = (str(getattr(upload, "name", "") or "")[:255], len(data), hashlib.sha256(data).hexdigest())
            book = read_upload(data, sheet=self.options.sheet or None)
        except SpreadsheetError as exc:
            report.errors.append(RowError(0, "", str(exc)))
            return report
        questions = self.ask(book)
        if questions:
            report.errors, report.questions = questions, True
            return report
        table = book.rows
        rows, errors = self.parse(table)
        report.notes = self._notes
        report.rows = len(rows)
        if not any(error.row == 0 for error in errors):
            # Check the rows that read cleanly too, so that one run lists every problem.
            bad_rows = {error.row for error in errors}
            checked = [row for row in rows if row.number not in bad_rows]
            errors += self.validate(checked)
            if self.masked_cells:
                errors += self._unresolved_masks(checked)
        if errors:
            report.errors = sorted(errors, key=lambda e: (e.row, e.column))
            report.error_file = self.error_workbook(table, report.errors)
            return report
        try:
            with transaction.atomic():
                report.created, report.updated, report.unchanged = self.apply(rows)
                if dry_run:
                    # "Check only" is the import itself, rolled back: the preview shows
                    # exactly what the import would do.
                    raise _Rollback
                self.after_apply(report)
        except _Rollback:
            pass
        except ImportAborted as exc:
            report.errors = exc.errors
            report.error_file = self.error_workbook(table, exc.errors)
        report.changes = self._preview
        return report

    def keep_masked(self, row: Row, key: str, stored: str | None, *, unknown: str = "") -> RowError | None:
        """Resolve a masked cell (`Masked`) of `row`: `stored` is the number the system holds
        for the row's person (None: the row is a new person). When the stored number masks
        exactly as the cell reads, the cell means "unchanged" and takes the stored value;
        otherwise the row is refused, naming the column (`unknown`: the message for a row
        with no stored number to compare, by default the one for a new person). Other cells
        are left as they are. No query: the caller has read its people in bulk."""
        value = row.values.get(key)
        if type(value) is not Masked:
            return None
        if stored is None:
            row.values[key] = ""
            return self.error(row, key, unknown or self.masked_new_message())
        if stored and masked_form(self.column(key).kind, stored) == value:
            row.values[key] = stored
            return None
        row.values[key] = ""
        return self.error(
            row,
            key,
            _(
                "The masked number does not match the number in the system for this person "
                "(a masked number can only stand for it unchanged); write the full number."
            ),
        )

    @staticmethod
    def masked_new_message() -> str:
        return _(
            "A masked number can only be used for a person already in the system, and must match the number there; write the full number."
        )

    def _unresolved_masks(self, rows: list[Row]) -> list[RowError]:
        """Masked cells `validate` did not resolve (a new person, an importer that does not
        read that column back): refused, so a masked number is never written."""
        keys = [c.key for c in self.columns if c.kind in (ID_NUMBER, PHONE) and c.key in self.present]
        errors = []
        for row in rows:
            values = row.values
            for key in keys:
                if type(values[key]) is Masked:
                    values[key] = ""
                    errors.append(self.error(row, key, self.masked_new_message()))
        return errors

    def ask(self, book: ReadWorkbook) -> list[RowError]:
        """What the user must decide before the file is read: which sheet, when there are
        several with data, and what to do with hidden rows and columns. Nothing is read or
        written until they have said; their choices are reported as notes."""
        options, sheet, questions = self.options, book.sheet, []
        self._notes = []
        others = [info for info in book.sheets if info is not sheet and info.cells and info.name not in HELP_SHEETS]
        if others and not options.sheet:
            listed = "、".join(
                (_("“%(name)s” (hidden, %(rows)s rows)") if not info.visible else _("“%(name)s” (%(rows)s rows)"))
                % {"name": info.name, "rows": info.rows}
                for info in [sheet, *others]
            )
            questions.append(
                RowError(
                    0,
                    _("Sheets"),
                    _(
                        "The workbook has several sheets with data: %(sheets)s. "
                        "One sheet is imported at a time: write its name under “Sheet” and upload again."
                    )
                    % {"sheets": listed},
                )
            )
        elif options.sheet:
            self._notes.append(_("Only the sheet “%(name)s” was read.") % {"name": sheet.name})
        hidden_rows = sorted(number for number in sheet.hidden_rows if number <= sheet.rows)
        if hidden_rows:
            shown = "、".join(str(number) for number in hidden_rows[:10]) + ("…" if len(hidden_rows) > 10 else "")
            where = _("hidden by a filter") if sheet.filtered else _("hidden")
            if not options.hidden_rows:
                questions.append(
                    RowError(
                        0,
                        _("Hidden rows"),
                        _(
                            "%(count)s rows are %(where)s (rows %(rows)s). "
                            "Choose under “Hidden rows” whether to leave them out or import them, and upload again."
                        )
                        % {"count": len(hidden_rows), "where": where, "rows": shown},
                    )
                )
            elif options.hidden_rows == HIDDEN_SKIP:
                self._skip_rows = set(hidden_rows)
                self._notes.append(_("%(count)s hidden rows were left out (rows %(rows)s).") % {"count": len(hidden_rows), "rows": shown})
            else:
                self._notes.append(
                    _("%(count)s hidden rows were read like the others (rows %(rows)s).") % {"count": len(hidden_rows), "rows": shown}
                )
        hidden_columns = sorted(number for number in sheet.hidden_columns if number <= sheet.columns)
        if hidden_columns:
            shown = "、".join(get_column_letter(number) for number in hidden_columns[:10]) + ("…" if len(hidden_columns) > 10 else "")
            if not options.hidden_columns:
                questions.append(
                    RowError(
                        0,
                        _("Hidden columns"),
                        _(
                            "Columns %(columns)s are hidden. "
                            "Choose under “Hidden columns” whether to leave them out or import them, and upload again."
                        )
                        % {"columns": shown},
                    )
                )
            elif options.hidden_columns == HIDDEN_SKIP:
                self._skip_columns = set(hidden_columns)
                self._notes.append(_("Hidden columns %(columns)s were left out: their fields stay as they are.") % {"columns": shown})
            else:
                self._notes.append(_("Hidden columns %(columns)s were read like the others.") % {"columns": shown})
        return questions

    def after_apply(self, report: ImportReport) -> None:
        from .models import ImportBatch

        if report.created or report.updated:
            name, size, digest = getattr(self, "_file", ("", 0, ""))
            batch = ImportBatch.objects.create(
                importer=self.name,
                title=str(self.title)[:100],
                cid=self.batch,
                file_name=name,
                file_size=size,
                file_sha256=digest,
                user=self.user if getattr(self.user, "pk", None) else None,
                rows=report.rows,
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
                # ID numbers and phones in the undo record are sealed as in their columns.
                created_objects=sealed.map_refs(self._created_refs, sealed.seal_ref_value) if self.undoable else None,
                changed_fields=sealed.map_refs(self._changed_refs, sealed.seal_ref_value) if self.undoable else None,
            )
            report.batch_id = batch.pk

        import_recorded.send(
            sender=type(self),
            user=self.user,
            importer=self.name,
            batch=self.batch,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )

    def remember_created(self, model, pks: Iterable[int], *, holds: dict[str, object] | None = None) -> None:
        """Record rows this import created without a change-log entry of their own (rows
        that carry their own history, such as a stay's ledger entry and status spells), so
        that undoing the batch deletes them. `holds`: values every one of them must still
        have for the undo (e.g. {"version": 1}: not changed since)."""
        label = model._meta.label_lower
        snapshot = {name: _json(value) for name, value in (holds or {}).items()}
        self._created_refs.extend([label, pk, snapshot] if snapshot else [label, pk] for pk in pks)

    def remember_changed(self, model, entries: list[tuple[int, dict[str, tuple[object, object]]]]) -> None:
        """Record field changes this import made through the models' own saves (the change
        log has them already), so that undoing the batch restores them: (pk, {field: (old, new)})."""
        label = model._meta.label_lower
        self._changed_refs.extend(
            [label, pk, {name: [_json(old), _json(new)] for name, (old, new) in changes.items()}] for pk, changes in entries if changes
        )

    def log_changes(
        self,
        model,
        entries: list[tuple[int, str, dict[str, tuple[object, object]]]],
        *,
        created: bool = False,
        holds: Iterable[str] = (),
    ) -> None:
        """Write the change log (django-auditlog) of rows written in bulk, which sends no
        signals: one entry per row, (pk, label, {field: (old, new)}), tied to this import
        by its batch id (the entry's correlation id and additional data). Fields the model
        registers as masked are masked as auditlog would. `holds` (created rows): fields
        whose imported value must still be there for the batch to be undone."""
        if not entries:
            return
        from auditlog.diff import mask_str
        from auditlog.models import LogEntry
        from auditlog.registry import auditlog
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        masked = set(auditlog.get_model_fields(model).get("mask_fields") or ())
        content_type = ContentType.objects.get_for_model(model)
        actor = self.user if getattr(self.user, "pk", None) else None
        now = timezone.now()
        action = LogEntry.Action.CREATE if created else LogEntry.Action.UPDATE

        def shown(name: str, value: object) -> str:
            text = "None" if value in (None, "") else str(value)
            return mask_str(text) if name in masked and value not in (None, "") else text

        label = model._meta.label_lower
        for pk, row_label, changes in entries:
            if created:
                # A field the entry leaves out was empty on the new row.
                kept = {name: _json(changes[name][1]) if name in changes else None for name in holds}
                self._created_refs.append([label, pk, kept] if kept else [label, pk])
            else:
                self._changed_refs.append([label, pk, {name: [_json(old), _json(new)] for name, (old, new) in changes.items()}])
                if len(self._preview) < PREVIEW_LIMIT:
                    fields = {
                        str(model._meta.get_field(name).verbose_name): (shown(name, old), shown(name, new))
                        for name, (old, new) in changes.items()
                    }
                    self._preview.append((row_label, fields))
        # One executemany, values prepared once: building 30,000 LogEntry instances and
        # passing each value through the ORM's compiler cost more than the import itself.
        meta = LogEntry._meta
        changes_field, data_field = meta.get_field("changes"), meta.get_field("additional_data")
        additional = data_field.get_db_prep_save({"import": self.name, "batch": self.batch}, connection)
        stamp = connection.ops.adapt_datetimefield_value(now)
        names = ["content_type", "object_pk", "object_id", "object_repr", "action", "changes_text", "changes", "actor", "cid"]
        names += ["timestamp", "additional_data"]
        rows = [
            (
                content_type.pk,
                str(pk),
                pk,
                str(label),
                action,
                "",
                changes_field.get_db_prep_save(
                    {name.removesuffix("_id"): [shown(name, old), shown(name, new)] for name, (old, new) in changes.items()}, connection
                ),
                actor.pk if actor else None,
                self.batch,
                stamp,
                additional,
            )
            for pk, label, changes in entries
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in names)
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 2000):
                cursor.executemany(sql, rows[start : start + 2000])

    def find_header(self, table: list[list[object]]) -> tuple[int, dict[int, Column]] | None:
        """The header row is the first of the top rows that names most required columns
        (title rows and notes above it are skipped, merged or not)."""
        required = [c for c in self.columns if c.required] or self.columns
        best: tuple[int, dict[int, Column]] | None = None
        for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
            mapping: dict[int, Column] = {}
            for position, cell in enumerate(cells):
                name = normalize_header(cell)
                for column in self.columns:
                    if name and name in column.names() and column not in mapping.values():
                        mapping[position] = column
                        break
            found = sum(1 for c in required if c in mapping.values())
            if found and (best is None or found > sum(1 for c in required if c in best[1].values())):
                best = (index, mapping)
            if found == len(required):
                break
        return best

    def parse(self, table: list[list[object]]) -> tuple[list[Row], list[RowError]]:
        found = self.find_header(table)
        if found is None:
            expected = "、".join(c.header for c in self.columns if c.required)
            return [], [
                RowError(0, "", _("No header row found. The first rows must contain the columns: %(columns)s.") % {"columns": expected})
            ]
        header_index, mapping = found
        mapping = {position: column for position, column in mapping.items() if position + 1 not in self._skip_columns}
        self.present = {column.key for column in mapping.values()}
        header_cells = table[header_index]
        ignored = [
            clean_name(str(cell))
            for position, cell in enumerate(header_cells)
            if position not in mapping and clean_text(cell) and position + 1 not in self._skip_columns
        ]
        if ignored:
            self._notes.append(_("Columns not imported (not columns of this import): %(columns)s.") % {"columns": "、".join(ignored[:20])})
        missing = [c.header for c in self.columns if c.required and c not in mapping.values()]
        if missing:
            return [], [RowError(header_index + 1, "", _("Missing columns: %(columns)s.") % {"columns": "、".join(missing)})]
        rows: list[Row] = []
        errors: list[RowError] = []
        seen: dict[tuple, int] = {}
        for index in range(header_index + 1, len(table)):
            cells = table[index]
            number = index + 1
            if number in self._skip_rows:
                continue
            # The first cell with something in it: none, an empty row; "合计…", the table's end.
            first = next((text for text in map(_filled, cells) if text is not None), None)
            if first is None:
                continue
            if first.startswith(TABLE_END):
                after = sum(1 for later in table[index + 1 :] if any(clean_text(cell) != "" for cell in later))
                note = _("Row %(row)s (“%(text)s”) ends the table; nothing below it was read.") % {"row": number, "text": first[:20]}
                if after:
                    note += " " + _("%(count)s non-empty rows below it were left out.") % {"count": after}
                self._notes.append(note)
                break
            values: dict[str, object] = {}
            row_ok = True
            for position, column in mapping.items():
                raw = cells[position] if position < len(cells) else None
                value, problem = self.clean_cell(column, raw)
                if problem:
                    errors.append(RowError(number, column.header, problem))
                    row_ok = False
                values[column.key] = value
            for column in self.columns:
                values.setdefault(column.key, None if column.kind in (DATE, INTEGER) else "")
            if row_ok and self.key:
                key = tuple(values.get(k) for k in self.key)
                if all(part not in ("", None) for part in key):
                    if key in seen:
                        message = _("Duplicate of row %(row)s.") % {"row": seen[key]}
                        errors.append(RowError(number, self.column(self.key[0]).header, message))
                    else:
                        seen[key] = number
            rows.append(Row(number, values, cells))
        if not rows and not errors:
            errors.append(RowError(0, "", _("The file has a header but no data rows.")))
        return rows, errors

    def clean_cell(self, column: Column, raw: object) -> tuple[object, str | None]:
        if isinstance(raw, ExcelError):
            empty = None if column.kind in (DATE, INTEGER) else ""
            return empty, _("The cell holds the Excel error %(error)s, not a value: correct the formula or type the value.") % {
                "error": raw
            }
        if column.kind == IDENTIFIER:
            text = clean_identifier(raw)
            if not text:
                return "", (_("This column is required.") if column.required else None)
            if len(text) > column.max_length:
                return text, _("At most %(n)s characters.") % {"n": column.max_length}
            return text, None
        if column.kind == NAME:
            text = clean_name(raw)
            if not text:
                return "", (_("This column is required.") if column.required else None)
            if len(text) > column.max_length:
                return text, _("At most %(n)s characters.") % {"n": column.max_length}
            return text, None
        if column.kind in (ID_NUMBER, PHONE) and raw is not None and raw != "":
            # Cleaned once: the check for lost digits and the value read the same text.
            cleaned = clean_text(raw) if isinstance(raw, str) else None
            damaged = (
                digits_damaged_text(cleaned) if cleaned is not None else digits_damaged(raw, length=18 if column.kind == ID_NUMBER else 11)
            )
            if damaged:
                return "", _(
                    "Excel stored this number as a number and lost its last digits (it shows as %(shown)s). "
                    "Format the column as text, type the numbers again and upload the file again."
                ) % {"shown": f"{raw:.5E}" if isinstance(raw, float) else clean_text(raw)}
            if cleaned is not None:
                return self._clean_number(column, identifier_of(cleaned))
        if column.kind == DATE:
            try:
                value = parse_date(raw if not isinstance(raw, str) else clean_text(raw), year_of=self.year_of)
            except (ValueError, OverflowError):
                return None, _("“%(value)s” is not a date; write it as 2022-07-10.") % {"value": clean_text(raw)}
            if value is None and column.required:
                return None, _("This column is required.")
            return value, None
        if column.kind in (ID_NUMBER, PHONE):
            return self._clean_number(column, clean_identifier(raw))
        text = clean_text(raw)
        if not text:
            return ("" if column.kind != INTEGER else None), (_("This column is required.") if column.required else None)
        if column.kind == TEXT:
            if len(text) > column.max_length:
                return text, _("At most %(n)s characters.") % {"n": column.max_length}
            return text, None
        if column.kind == INTEGER:
            try:
                return int(text), None
            except ValueError:
                return None, _("“%(value)s” is not a whole number.") % {"value": text}
        if column.kind == CHOICE:
            for value, label in column.choices:
                if text in (value, str(label)):
                    return value, None
            allowed = "、".join(str(label) for _value, label in column.choices)
            return text, _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed}
        if column.kind == BOOLEAN:
            lowered = text.lower()
            if lowered in _YES:
                return True, None
            if lowered in _NO:
                return False, None
            return None, _("Write 是 or 否.")
        return text, None

    def _clean_number(self, column: Column, text: str) -> tuple[object, str | None]:
        """An ID number or a phone, from its cleaned text (see `clean_identifier`)."""
        if not text:
            return "", (_("This column is required.") if column.required else None)
        if "*" in text or "＊" in text:
            text = text.translate(_MASK_CHARS)
            if not self.masked_cells:
                return text, _("This is a masked number (as exports show it); write the full number.")
            return Masked(idnumber.normalize(text) if column.kind == ID_NUMBER else normalize_phone(text)), None
        if column.kind == ID_NUMBER:
            value = idnumber.normalize(text)
            problem = idnumber.problem(value)
            if problem:
                return value, str(idnumber.MESSAGES[problem])
            return value, None
        value = normalize_phone(text)
        if not _PHONE.match(value):
            return value, _("“%(value)s” is not a phone number.") % {"value": text}
        return value, None

    # -- files ---------------------------------------------------------------------
    def template(self) -> bytes:
        """An empty file to fill in: rules on top, the header (required columns marked *),
        one example row, text-formatted blank rows, and a sheet explaining each column."""
        notes = [*self.template_notes, _("Columns marked * are required. Keep the header row; rows above it are ignored.")]
        headers = [f"{c.header}*" if c.required else c.header for c in self.columns]
        return write_workbook(
            [
                Sheet(str(self.title), headers, [[c.example for c in self.columns]], notes=notes, blank_text_rows=200),
                Sheet(_("Column help"), [_("Column"), _("Explanation")], [[c.header, c.help] for c in self.columns]),
            ]
        )

    def error_workbook(self, table: list[list[object]], errors: Iterable[RowError]) -> bytes:
        """The uploaded rows, at the same row numbers, with an error column at the end;
        problems with the file as a whole on a second sheet."""
        by_row: dict[int, list[str]] = {}
        for error in errors:
            by_row.setdefault(error.row, []).append(f"{error.column} · {error.message}" if error.column else error.message)
        width = max((len(r) for r in table), default=0)
        rows = [[*cells, *([""] * (width - len(cells))), "；".join(by_row.get(index + 1, []))] for index, cells in enumerate(table)]
        sheets = [Sheet(_("Errors"), None, rows)]
        if by_row.get(0):
            sheets.append(Sheet(_("File"), [_("Error")], [[message] for message in by_row[0]]))
        return write_workbook(sheets)


__all__ = [
    "BOOLEAN",
    "CHOICE",
    "DATE",
    "IDENTIFIER",
    "ID_NUMBER",
    "INTEGER",
    "NAME",
    "PHONE",
    "TEXT",
    "Column",
    "ImportAborted",
    "ImportOptions",
    "ImportReport",
    "Importer",
    "Masked",
    "Row",
    "RowError",
    "ValidationError",
]
