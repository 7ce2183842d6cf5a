"""Reads on notices, already scoped. Public for other apps (the dashboard, supervision):
`read_rate(user)` and `low_read_units(...)`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangxian.org.models import Staff, Student, Unit
from fangxian.org.scope import scope_of

from .models import AudienceKind, Kind, Notice, Receipt, Status


def visible_notices(user) -> QuerySet[Notice]:
    return Notice.objects.visible_to(user)


def search(qs: QuerySet[Notice], q: str) -> QuerySet[Notice]:
    """Every word of `q` in the title, the document number, the issuer, the tags or the text.
    A substring match: Chinese has no spaces between words, so a word is any run of
    characters the user typed (works the same on SQLite and PostgreSQL)."""
    for word in (q or "").split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(number__icontains=word)
            | Q(issuer__icontains=word)
            | Q(tags__icontains=word)
            | Q(body_text__icontains=word)
        )
    return qs


def public_notices() -> QuerySet[Notice]:
    """Notices marked public and in force: the page for parents (家校齐心)."""
    return Notice.objects.in_force().filter(is_public=True).order_by("-published_at", "-pk")


def person_of(user) -> Student | Staff | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        Student.objects.filter(user=user).select_related("klass", "bed").first() or Staff.objects.filter(user=user, is_active=True).first()
    )


def my_receipts(user) -> QuerySet[Receipt]:
    """The reader's receipts of notices that are in force."""
    if user is None or not user.is_authenticated:
        return Receipt.objects.none()
    now = timezone.now()
    return (
        Receipt.objects.filter(user=user, notice__status=Status.PUBLISHED, notice__published_at__lte=now)
        .filter(Q(notice__expires_at__isnull=True) | Q(notice__expires_at__gt=now))
        .select_related("notice")
    )


def to_read(user) -> QuerySet[Receipt]:
    return my_receipts(user).filter(read_at__isnull=True).order_by("-notice__published_at", "-pk")


def have_read(user) -> QuerySet[Receipt]:
    return my_receipts(user).filter(read_at__isnull=False).order_by("-read_at", "-pk")


def campus_of(person) -> int | None:
    """A student's campus (their bed's, else their class's or a unit above it); a member of staff's unit's."""
    if isinstance(person, Student):
        if person.bed_id:
            return int(person.bed.path.strip("/").split("/")[0])
        units = Unit.objects.filter(pk__in=[*person.klass.ancestor_ids(), person.klass_id], campus__isnull=False).order_by("-depth")
        unit = units.first()
        return unit.campus_id if unit else None
    if isinstance(person, Staff):
        unit = Unit.objects.filter(pk__in=[*person.unit.ancestor_ids(), person.unit_id], campus__isnull=False).order_by("-depth").first()
        return unit.campus_id if unit else None
    return None


def policies_in_force(user) -> list[Notice]:
    """Policies in force that concern the reader: addressed to them, to the whole school or to their campus."""
    person = person_of(user)
    if person is None:
        return []
    campus_id = campus_of(person)
    condition = Q(receipts__user=user) | Q(audience__kind=AudienceKind.INSTITUTION, institution_id=person.institution_id)
    if campus_id:
        condition |= Q(audience__kind=AudienceKind.CAMPUS, audience__campus_id=campus_id)
    ids = Notice.objects.in_force().filter(kind=Kind.POLICY).filter(condition).values("pk")
    return list(Notice.objects.filter(pk__in=ids).order_by("-published_at", "-pk")[:50])


def gate_policy(user) -> dict | None:
    """The gate policy (通行规则) in force on the reader's campus, from the gates app."""
    person = person_of(user)
    campus_id = campus_of(person) if person is not None else None
    if not campus_id:
        return None
    from fangxian.gates.selectors import Direction, policy_grid, policy_in_force

    policy = policy_in_force(campus_id)
    if policy.version is None:
        return None
    mine = ("student", "student_closed") if isinstance(person, Student) else ("staff", "hospital_staff")
    grid = [row for row in policy_grid(policy) if row["code"] in mine]
    return {"version": policy.version, "grid": grid, "directions": [d.label for d in Direction]}


# -- receipts -------------------------------------------------------------------------------


@dataclass
class TreeRow:
    unit: Unit
    depth: int
    total: int = 0
    read: int = 0
    children: list = field(default_factory=list)

    @property
    def unread(self) -> int:
        return self.total - self.read

    @property
    def rate(self) -> int:
        return round(100 * self.read / self.total) if self.total else 0


def receipt_counts(user, notice: Notice) -> dict[int, tuple[int, int]]:
    """{unit id: (receipts, read)} of the receipts the user sees, by the unit they count in."""
    rows = (
        Receipt.objects.visible_to(user)
        .filter(notice=notice)
        .order_by()
        .values("unit_id")
        .annotate(total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False)))
    )
    return {row["unit_id"]: (row["total"], row["read"]) for row in rows}


def receipt_tree(user, notice: Notice) -> list[TreeRow]:
    """Receipt rates for every level of the tree the user sees (school, college, major,
    grade, class; departments for staff), in tree order: two queries whatever the size."""
    counts = receipt_counts(user, notice)
    if not counts:
        return []
    leaves = dict(Unit.objects.filter(pk__in=counts).values_list("pk", "path"))
    ids: set[int] = set()
    for path in leaves.values():
        ids.update(int(part) for part in path.strip("/").split("/") if part)
    units = {u.pk: u for u in scope_of(user).units(Unit.objects.filter(pk__in=ids)).order_by()}
    rows: dict[int, TreeRow] = {}
    for unit_id, (total, read) in counts.items():
        for part in leaves.get(unit_id, "").strip("/").split("/"):
            if not part or int(part) not in units:
                continue
            uid = int(part)
            row = rows.get(uid)
            if row is None:
                unit = units[uid]
                row = rows[uid] = TreeRow(unit, unit.depth)
            row.total += total
            row.read += read

    def key(row: TreeRow):
        parts = [int(p) for p in row.unit.path.strip("/").split("/") if p]
        return [(units[p].sort_order, units[p].name, p) if p in units else (0, "", p) for p in parts]

    ordered = sorted(rows.values(), key=key)
    top = min((row.depth for row in ordered), default=0)
    for row in ordered:
        row.depth -= top
    return ordered


def unread(user, notice: Notice, unit: Unit | None = None) -> QuerySet[Receipt]:
    """Who has not read yet, among the people the user sees (a counselor: their students)."""
    qs = Receipt.objects.visible_to(user).filter(notice=notice, read_at__isnull=True).exclude(user=user)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.select_related("student", "staff", "unit").order_by("unit__path", "student__student_number", "staff__staff_number", "pk")


def reminded_today(receipt_ids, day=None) -> set[int]:
    from .models import Reminder

    day = day or timezone.localdate()
    return set(Reminder.objects.filter(receipt_id__in=list(receipt_ids), day=day).values_list("receipt_id", flat=True))


def totals(user, notice: Notice) -> tuple[int, int]:
    counts = receipt_counts(user, notice)
    return sum(t for t, _r in counts.values()), sum(r for _t, r in counts.values())


# -- versions -------------------------------------------------------------------------------


def versions(notice: Notice) -> list[dict]:
    """Every version, oldest first, the current one last: {number, title, body_text, note, at, by}."""
    rows = [
        {
            "number": v.number,
            "title": v.title,
            "doc_number": v.doc_number,
            "issuer": v.issuer,
            "body_text": v.body_text,
            "note": v.note,
            "at": v.created_at,
            "by": v.created_by,
        }
        for v in notice.versions.select_related("created_by").order_by("number")
    ]
    rows.append(
        {
            "number": notice.version,
            "title": notice.title,
            "doc_number": notice.number,
            "issuer": notice.issuer,
            "body_text": notice.body_text,
            "note": "",
            "at": notice.updated_at,
            "by": None,
        }
    )
    return rows


def diff(old: dict, new: dict) -> list[tuple[str, str]]:
    """What changed between two versions, line by line: ("+", line), ("-", line), (" ", line)."""
    lines: list[tuple[str, str]] = []
    for label, key in (("标题", "title"), ("文号", "doc_number"), ("发文单位", "issuer")):
        if old[key] != new[key]:
            lines.append(("-", f"{label}：{old[key]}"))
            lines.append(("+", f"{label}：{new[key]}"))
    for line in difflib.ndiff(old["body_text"].splitlines(), new["body_text"].splitlines()):
        op, text = line[:1], line[2:]
        if op in "+- ":
            lines.append((op, text))
    return lines


# -- figures --------------------------------------------------------------------------------


def read_rate(user, *, kind: str | None = Kind.POLICY, at: datetime | None = None) -> tuple[int, int]:
    """(receipts, read) of the notices in force (policies by default), as the user sees them."""
    qs = Receipt.objects.visible_to(user).filter(notice__in=Notice.objects.in_force(at).filter(**({"kind": kind} if kind else {})))
    row = qs.order_by().aggregate(total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False)))
    return row["total"] or 0, row["read"] or 0


def low_read_units(*, at: datetime, older_than, threshold: int = 60, min_receipts: int = 10) -> list[tuple[Notice, Unit, int, int]]:
    """(policy, top unit, receipts, read) for policies in force published before `older_than`
    whose read rate in a college or department is below `threshold` percent (unscoped: for
    the supervision rule)."""
    notices = list(Notice.objects.in_force(at).filter(kind=Kind.POLICY, published_at__lte=older_than).order_by("pk"))
    if not notices:
        return []
    rows = (
        Receipt.objects.filter(notice__in=notices)
        .order_by()
        .values("notice_id", "unit__path")
        .annotate(total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False)))
    )
    per: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        parts = [int(p) for p in row["unit__path"].strip("/").split("/") if p]
        if len(parts) < 2:
            continue
        bucket = per.setdefault((row["notice_id"], parts[1]), [0, 0])
        bucket[0] += row["total"]
        bucket[1] += row["read"]
    units = Unit.objects.in_bulk({uid for _n, uid in per})
    by_pk = {n.pk: n for n in notices}
    out = []
    for (notice_id, unit_id), (total, read) in sorted(per.items()):
        if total >= min_receipts and 100 * read < threshold * total and unit_id in units:
            out.append((by_pk[notice_id], units[unit_id], total, read))
    return out
