"""Accounts from people (开通账号): the security admin picks people of the organisation and
creates their accounts in one action.

- login = the staff or student number; a random initial password (initial_passwords.py)
  that must be changed at the first sign-in (User.must_change_password, enforced by
  LoginSafetyMiddleware); privileged roles still enrol the second factor as before;
- people who already have an account, and those who have left or graduated, are skipped
  and listed with the reason; anything that would make a wrong account (two people with
  the same number, a number already used as another account's login, a number that
  matches nobody in the admin's scope) refuses the whole batch and creates nothing;
- the result is a ProvisionBatch whose first-login slips (xlsx and a printable sheet)
  hold the passwords, encrypted, until handed out.

The admin's scope: a security admin who is a person of the organisation provisions the
people of their own institution; one who is not (the installation's first admin, made by
`create_security_admin`) provisions everyone.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

from . import initial_passwords
from .models import RESERVED_USERNAMES, User
from .provision_models import ProvisionBatch

BULK_SIZE = 2000
# A first cell with one of these is a header row, not a number.
HEADER_WORDS = {"学号", "工号", "学号/工号", "工号/学号", "账号", "number", "login", "username"}
ACTIVE_STUDENT_STATUSES = ("enrolled", "suspended")


class ProvisionError(Exception):
    """The batch is refused; `errors` says why, one Chinese line per problem."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Candidate:
    kind: str  # "staff" or "student"
    pk: int
    number: str
    name: str
    unit: str
    has_account: bool
    active: bool
    institution_id: int


@dataclass
class Plan:
    create: list[Candidate] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# -- who ---------------------------------------------------------------------------------


def institutions_of(admin) -> list[int] | None:
    """The institutions whose people `admin` may provision; None means every institution."""
    from fangxian.org.models import Staff, Student

    ids = set(Staff.objects.filter(user=admin).values_list("institution_id", flat=True))
    ids |= set(Student.objects.filter(user=admin).values_list("institution_id", flat=True))
    return sorted(ids) or None


def units_for(admin) -> QuerySet:
    from fangxian.org.models import Unit

    units = Unit.objects.active().exclude(kind=Unit.Kind.CLASS)
    institutions = institutions_of(admin)
    if institutions is not None:
        units = units.under_any([f"/{pk}/" for pk in institutions])
    return units


@dataclass
class Selection:
    """What the admin picked. Criteria narrow each other; numbers are added on top."""

    unit: object = None
    people: str = "all"  # "all", "staff" or "students"
    role: str = ""  # an assignment role: its active holders (staff only)
    on_campus: bool = False  # students on campus today (the ledger's population)
    numbers: list[tuple[int, str]] = field(default_factory=list)  # (row, number), pasted or uploaded

    def describe(self) -> str:
        from fangxian.org.registry import role_label

        parts = []
        if self.unit is not None:
            parts.append(str(self.unit))
        if self.role:
            parts.append(role_label(self.role))
        if self.people == "staff":
            parts.append(_("staff"))
        elif self.people == "students":
            parts.append(_("students"))
        if self.on_campus:
            parts.append(_("students on campus"))
        if self.numbers:
            parts.append(_("%(count)d numbers from a list") % {"count": len(self.numbers)})
        return " · ".join(parts)[:300]

    @property
    def by_criteria(self) -> bool:
        return self.unit is not None or bool(self.role) or self.on_campus


def _scoped(qs, institutions):
    return qs if institutions is None else qs.filter(institution_id__in=institutions)


def select(admin, selection: Selection) -> tuple[list[Candidate], list[str]]:
    """The people the selection names, within the admin's scope, and the list rows that
    named nobody there (as errors)."""
    from fangxian.org.coverage import students_on_campus
    from fangxian.org.models import Assignment, Staff, Student, Unit

    institutions = institutions_of(admin)
    staff = _scoped(Staff.objects.all(), institutions)
    students = _scoped(Student.objects.all(), institutions)
    staff_pks: set[int] = set()
    student_pks: set[int] = set()
    if selection.by_criteria:
        staff_qs, student_qs = staff, students
        if selection.unit is not None:
            subtree = Unit.objects.subtree(selection.unit).values("pk")
            student_qs = student_qs.filter(klass_id__in=subtree)
            if selection.role:
                holders = Assignment.objects.active().filter(role=selection.role, unit_id__in=subtree).values("staff_id")
                staff_qs = staff_qs.filter(Q(unit_id__in=subtree) | Q(pk__in=holders))
            else:
                staff_qs = staff_qs.filter(unit_id__in=subtree)
        if selection.role:
            staff_qs = staff_qs.filter(pk__in=Assignment.objects.active().filter(role=selection.role).values("staff_id"))
            student_qs = student_qs.none()
        if selection.on_campus:
            student_qs = student_qs.filter(pk__in=students_on_campus(timezone.localdate()).values("pk"))
            staff_qs = staff_qs.none()
        if selection.people != "students":
            staff_pks.update(staff_qs.values_list("pk", flat=True))
        if selection.people != "staff":
            student_pks.update(student_qs.values_list("pk", flat=True))
    errors = []
    if selection.numbers:
        wanted = {number for _row, number in selection.numbers}
        found: dict[str, int] = {}
        if selection.people != "students":
            for pk, number in staff.filter(staff_number__in=wanted).values_list("pk", "staff_number"):
                staff_pks.add(pk)
                found[number] = found.get(number, 0) + 1
        if selection.people != "staff":
            for pk, number in students.filter(student_number__in=wanted).values_list("pk", "student_number"):
                student_pks.add(pk)
                found[number] = found.get(number, 0) + 1
        for row, number in selection.numbers:
            if number not in found:
                # The same words whether the number exists elsewhere or not at all.
                errors.append(_("Row %(row)d: nobody with the number %(number)s in your scope.") % {"row": row, "number": number})
    candidates = [
        Candidate("staff", pk, number, name, unit, user_id is not None, active, inst)
        for pk, number, name, unit, user_id, active, inst in Staff.objects.filter(pk__in=staff_pks)
        .order_by("staff_number")
        .values_list("pk", "staff_number", "name", "unit__name", "user_id", "is_active", "institution_id")
        .iterator(chunk_size=5000)
    ]
    candidates += [
        Candidate("student", pk, number, name, unit, user_id is not None, status in ACTIVE_STUDENT_STATUSES, inst)
        for pk, number, name, unit, user_id, status, inst in Student.objects.filter(pk__in=student_pks)
        .order_by("student_number")
        .values_list("pk", "student_number", "name", "klass__name", "user_id", "status", "institution_id")
        .iterator(chunk_size=5000)
    ]
    return candidates, errors


def _valid_login(number: str) -> bool:
    from django.contrib.auth.validators import UnicodeUsernameValidator

    try:
        UnicodeUsernameValidator()(number)
    except ValidationError:
        return False
    return 0 < len(number) <= 150 and number.lower() not in RESERVED_USERNAMES


def plan(admin, selection: Selection) -> Plan:
    """What provisioning would do, without doing it."""
    candidates, errors = select(admin, selection)
    result = Plan(errors=errors)
    by_number: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.has_account:
            result.skipped.append({"number": candidate.number, "name": candidate.name, "reason": _("already has an account")})
        elif not candidate.active:
            result.skipped.append({"number": candidate.number, "name": candidate.name, "reason": _("has left or graduated")})
        else:
            by_number.setdefault(candidate.number.lower(), []).append(candidate)
    taken: set[str] = set()
    keys = list(by_number)
    for start in range(0, len(keys), BULK_SIZE):
        # Logins differing only in case would be two accounts people cannot tell apart.
        chunk = keys[start : start + BULK_SIZE]
        taken.update(User.objects.annotate(login=Lower("username")).filter(login__in=chunk).values_list("login", flat=True))
    for key, group in by_number.items():
        number = group[0].number
        if len(group) > 1:
            names = "、".join(f"{c.name}（{_('staff') if c.kind == 'staff' else _('student')}）" for c in group)
            message = _("%(number)s: two people have this number (%(names)s); correct the data first.")
            errors.append(message % {"number": number, "names": names})
        elif not _valid_login(number):
            errors.append(_("%(number)s (%(name)s): this number cannot be used as a login.") % {"number": number, "name": group[0].name})
        elif key in taken:
            errors.append(
                _("%(number)s (%(name)s): another account already uses this login; link it on the person's page or rename it.")
                % {"number": number, "name": group[0].name}
            )
        else:
            result.create.append(group[0])
    return result


# -- doing it ----------------------------------------------------------------------------


def provision(*, admin, selection: Selection, request=None, workers: int | None = None) -> ProvisionBatch:
    """Create the accounts the selection names; all or nothing. Raises ProvisionError."""
    result = plan(admin, selection)
    if result.errors:
        raise ProvisionError(result.errors)
    if not result.create and not result.skipped:
        raise ProvisionError([_("The selection names nobody.")])
    passwords = [initial_passwords.generate() for _c in result.create]
    # The slow part, done before the transaction so that no lock is held while hashing.
    hashes = initial_passwords.hash_all(passwords, workers=workers)
    return _create(admin=admin, selection=selection, result=result, passwords=passwords, hashes=hashes, request=request)


@transaction.atomic
def _create(*, admin, selection, result: Plan, passwords: list[str], hashes: list[str], request) -> ProvisionBatch:
    from fangxian.org.models import Staff, Student

    _insert_users(
        [
            User(username=c.number, full_name=c.name[:100], password=h, must_change_password=True)
            for c, h in zip(result.create, hashes, strict=True)
        ]
    )
    for model, kind, number_field in ((Staff, "staff", "staff_number"), (Student, "student", "student_number")):
        pks = [c.pk for c in result.create if c.kind == kind]
        for start in range(0, len(pks), BULK_SIZE):
            chunk = pks[start : start + BULK_SIZE]
            # Only people still without an account: someone linked meanwhile refuses the batch.
            linked = model.objects.filter(pk__in=chunk, user__isnull=True).update(
                user_id=Subquery(User.objects.filter(username=OuterRef(number_field)).values("pk")[:1])
            )
            if linked != len(chunk):
                raise ProvisionError([_("Someone else changed these people at the same time; nothing was created. Try again.")])
    batch = ProvisionBatch(created_by=admin, selection=selection.describe(), created_count=len(result.create), skipped=result.skipped)
    batch.store_slips([[c.name, c.unit, c.number, p] for c, p in zip(result.create, passwords, strict=True)])
    batch.save()
    record_event(
        SecurityEvent.Kind.IMPORT,
        request=request,
        user=admin,
        what="accounts",
        batch=batch.pk,
        created=batch.created_count,
        skipped=len(result.skipped),
    )
    return batch


def _insert_users(users: list[User]) -> None:
    """INSERT the new accounts with executemany: bulk_create would cut 20,000 rows into
    hundreds of statements (SQLite allows 999 parameters each) and build each in Python.
    No signal is sent, as with bulk_create; the batch records one event instead."""
    now = timezone.now()
    fields = [f for f in User._meta.concrete_fields if not f.primary_key]
    for user in users:
        user.date_joined = now
    table = connection.ops.quote_name(User._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(users), BULK_SIZE):
            rows = [[f.get_db_prep_save(getattr(u, f.attname), connection) for f in fields] for u in users[start : start + BULK_SIZE]]
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608  (our own names)


# -- reading a pasted or uploaded list ---------------------------------------------------


def parse_numbers(text: str = "", upload=None) -> tuple[list[tuple[int, str]], list[str]]:
    """(row, number) pairs from pasted text (one per line, or separated by commas or spaces)
    and from an uploaded .xlsx, .csv or .txt whose first column holds the numbers."""
    numbers: list[tuple[int, str]] = []
    errors: list[str] = []
    for row, line in enumerate(text.splitlines(), start=1):
        for item in line.replace(",", " ").replace("，", " ").replace(";", " ").split():
            if item.strip() and item.strip() not in HEADER_WORDS:
                numbers.append((row, item.strip()))
    if upload is not None:
        name = (upload.name or "").lower()
        try:
            if name.endswith(".xlsx"):
                cells = _xlsx_first_column(upload)
            elif name.endswith((".csv", ".txt")):
                cells = _text_first_column(upload.read())
            else:
                return numbers, [_("The file must be an .xlsx, .csv or .txt file.")]
        except (ValueError, KeyError, OSError) as exc:
            return numbers, [_("The file cannot be read (%(error)s).") % {"error": exc.__class__.__name__}]
        for row, value in cells:
            value = _cell_text(value)
            if value and value not in HEADER_WORDS:
                numbers.append((row, value))
    seen: set[str] = set()
    unique = []
    for row, number in numbers:
        if number not in seen:
            seen.add(number)
            unique.append((row, number))
    return unique, errors


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into Excel comes back as 2021001.0
    return str(value).strip()


def _xlsx_first_column(upload) -> list[tuple[int, object]]:
    from openpyxl import load_workbook

    workbook = load_workbook(upload, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return [(row, values[0] if values else None) for row, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _text_first_column(data: bytes) -> list[tuple[int, str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("encoding")
    return [(row, cells[0] if cells else "") for row, cells in enumerate(csv.reader(io.StringIO(text)), start=1)]


# -- slips -------------------------------------------------------------------------------

SLIP_COLUMNS = ("姓名", "单位", "账号", "初始密码", "登录地址")


def slips_xlsx(batch: ProvisionBatch, login_url: str) -> bytes:
    """The first-login slips as a spreadsheet, one row per account."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("首次登录")
    sheet.append(SLIP_COLUMNS)
    for name, unit, login, password in batch.read_slips():
        sheet.append([name, unit, login, password, login_url])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
