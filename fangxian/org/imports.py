"""Spreadsheet imports of the organisation: the two trees, students, staff and assignments.

Each importer follows core.importing: all-or-nothing, "check only", errors as
"第 N 行 · 列名 · 问题", and re-importing the same file changes nothing. Files can be large
(a university's 30,000 students), so nothing here queries per row: `validate` loads what it
needs in a few queries into dicts, checks every row in Python (the checks `full_clean` and
the database constraints would make, done in bulk), and `apply` writes with bulk_create and
bulk_update in batches.
"""

from __future__ import annotations

import re
import unicodedata
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import (
    CHOICE,
    DATE,
    ID_NUMBER,
    IDENTIFIER,
    NAME,
    PHONE,
    Column,
    Importer,
    ImportOptions,
    ImportReport,
    Row,
    RowError,
)

from . import photos, selectors
from .access import PEOPLE_WRITERS
from .messenger_ids import COLUMNS as MESSENGER_COLUMNS
from .messenger_ids import write_messenger_ids
from .models import ASSIGNMENT_TARGETS, Assignment, AssignmentRole, Gender, Place, Staff, Student, TreeNode, Unit

BATCH = 2000
GENDERS = ((Gender.MALE.value, "男"), (Gender.FEMALE.value, "女"))
STATUSES = (
    (Student.Status.ENROLLED.value, "在读"),
    (Student.Status.SUSPENDED.value, "休学"),
    (Student.Status.GRADUATED.value, "毕业"),
    (Student.Status.WITHDRAWN.value, "退学"),
)
GATE = "gate"
PLACE_USES = (
    (Place.Use.DORM.value, "宿舍"),
    (Place.Use.TEACHING.value, "教学"),
    (Place.Use.LAB.value, "实验室"),
    (Place.Use.OFFICE.value, "办公"),
    (Place.Use.HOSPITAL.value, "医疗"),
    (Place.Use.OTHER.value, "其他"),
    (GATE, "校门"),
)
TOP_KINDS = ((Unit.Kind.COLLEGE.value, "学院"), (Unit.Kind.DEPARTMENT.value, "部门"), (Unit.Kind.HOSPITAL.value, "附属医院"))
# The role names of the file format (data, like the headers).
ROLE_LABELS = (
    (AssignmentRole.LEADER.value, "包抓领导"),
    (AssignmentRole.COLLEGE_SECRETARY.value, "党委书记"),
    (AssignmentRole.COLLEGE_DEAN.value, "院长"),
    (AssignmentRole.COLLEGE_ADMIN.value, "防控专员"),
    (AssignmentRole.RESPONSIBLE.value, "负责人"),
    (AssignmentRole.COUNSELOR.value, "辅导员"),
    (AssignmentRole.CLASS_TEACHER.value, "班主任"),
    (AssignmentRole.BUILDING_MANAGER.value, "楼栋管理员"),
    (AssignmentRole.ONE_TO_ONE.value, "一对一责任人"),
    (AssignmentRole.GATE_GUARD.value, "门卫"),
    (AssignmentRole.LAB_SAFETY.value, "实验室安全责任人"),
)
KIND_NAMES = {
    "institution": "学校",
    "college": "学院",
    "department": "部门",
    "hospital": "附属医院",
    "major": "专业",
    "grade": "年级",
    "class": "班级",
    "campus": "校区",
    "building": "楼栋",
    "room": "房间",
    "bed": "床位",
    "gate": "校门",
}


def default_institution() -> Unit | None:
    """The institution imports write into: the first one (a province-wide installation with
    several would add a 学校 column)."""
    return Unit.objects.filter(kind=Unit.Kind.INSTITUTION, archived_at__isnull=True).order_by("pk").first()


def bulk_create_nodes(model: type[TreeNode], nodes: list[TreeNode]) -> None:
    """Insert tree nodes whose parents already have paths, then fill in their paths with one
    UPDATE (TreeNode.save() computes the path with a query per row)."""
    if not nodes:
        return
    model.objects.bulk_create(nodes, batch_size=BATCH)
    own_id = Cast("pk", CharField())
    model.objects.filter(path="", parent__isnull=True).update(
        path=Concat(Value("/"), own_id, Value("/"), output_field=CharField()), depth=1
    )
    parents = model.objects.filter(pk=OuterRef("parent_id"))
    model.objects.filter(path="", parent__isnull=False).update(
        path=Concat(Subquery(parents.values("path")[:1]), own_id, Value("/"), output_field=CharField()),
        depth=Subquery(parents.values("depth")[:1]) + 1,
    )
    for node in nodes:  # the same paths in memory, for the next level
        prefix = node.parent.path if node.parent_id else "/"
        node.path, node.depth = f"{prefix}{node.pk}/", prefix.count("/")


def insert_rows(model: type[models.Model], fields: list[str], rows: list[tuple]) -> None:
    """INSERT rows with one executemany per batch. bulk_create passes every value through
    the ORM's SQL compiler (several microseconds a value), which dominated a 30,000-row
    import; here the values are already what the columns store (ids, text, an adapted
    timestamp), and no signals are sent, as with bulk_create."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    # Table and column names come from the model, never from the file.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


_BRACKETED = re.compile(r"[（(【\[].*?[）)】\]]")
_SUFFIX = re.compile(r"(室|号楼|号房|号|楼|栋|幢|座)$")


def near_key(name: str) -> str:
    """What is left of a name once what typos change is taken away: full-width forms
    (NFKC), case, spacing, bracketed notes and a trailing 室/号楼/栋 suffix. "医学 院",
    "医学院（本部）" and "医学院" share a key; so do "101室" and "101", "1号楼" and "1栋"."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _BRACKETED.sub("", text)
    text = re.sub(r"\s+", "", text)
    return _SUFFIX.sub("", text) or text


def _kind(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


# -- trees ----------------------------------------------------------------------------------


@dataclass
class _Level:
    kind: str
    name: str
    column: str  # key of the column the name came from
    explicit: dict = field(default_factory=dict)  # field → value the row sets on this node
    columns: dict = field(default_factory=dict)  # field → key of the column it came from
    defaults: dict = field(default_factory=dict)  # fields for the node only when it is new


class _TreeIndex:
    """The active nodes of one tree, by (parent id, name)."""

    FIELDS = ("pk", "parent_id", "kind", "name", "code", "path", "depth")

    def __init__(self, model: type[TreeNode], queryset, extra: tuple[str, ...] = ()):
        self.model = model
        self.by_key: dict[tuple[int | None, str], dict] = {}
        for node in queryset.filter(archived_at__isnull=True).values(*self.FIELDS, *extra):
            self.by_key[(node["parent_id"], node["name"])] = node

    def child(self, parent_id: int | None, name: str) -> dict | None:
        return self.by_key.get((parent_id, name))

    def instance(self, node: dict) -> TreeNode:
        return self.model(**{("id" if k == "pk" else k): v for k, v in node.items()})


class _TreeImporter(Importer):
    """Rows are chains of names from the top of a tree down. Missing nodes are created
    (level by level, in bulk); the fields a row gives are set on the node they belong to."""

    model: type[TreeNode]
    inherit: tuple[str, ...] = ()  # fields a new node takes from its parent when the row is silent

    @abstractmethod
    def chain(self, row: Row) -> tuple[list[_Level], RowError | None]:
        """The names of the row, from the top of the tree down."""

    @abstractmethod
    def index(self, institution: Unit) -> _TreeIndex:
        """The existing nodes, indexed for lookups by chain."""

    @abstractmethod
    def root(self, institution: Unit) -> TreeNode | None:
        """The node above the first column (the institution), or None for a tree whose
        first column holds roots (campuses)."""

    def new_fields(self, institution: Unit) -> dict:
        return {}

    def check(self, level: _Level, node: dict | None, parent: dict | None, row: Row) -> RowError | None:
        return None

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        index = self.index(institution)
        root = self.root(institution)
        errors: list[RowError] = []
        kinds: dict[tuple[str, ...], str] = {}  # name chain → kind, over the file
        fields: dict[tuple, tuple[object, int]] = {}  # (name chain, field) → (value, first row)
        # Typos must not create organisation: a new name that differs from an existing
        # sibling (or another new one in the file) only in spacing, brackets, full-width
        # forms or a 室/号楼 suffix is refused with the existing name suggested.
        siblings: dict[tuple[int | None, str], str] = {}
        for parent_key, name in index.by_key:
            siblings.setdefault((parent_key, near_key(name)), name)
        new_in_file: dict[tuple, tuple[str, int]] = {}
        to_create: dict[tuple[str, ...], str] = {}
        for row in rows:
            levels, problem = self.chain(row)
            if problem:
                errors.append(problem)
                continue
            row.values["_levels"] = levels
            parent = None
            parent_id = root.pk if root else None
            names: tuple[str, ...] = ()
            for level in levels:
                names = (*names, level.name)
                node = index.child(parent_id, level.name) if (parent_id is not None or root is None and len(names) == 1) else None
                kind = node["kind"] if node else kinds.get(names)
                if kind is not None and kind != level.kind:
                    message = _("“%(name)s” already exists here as a %(kind)s, not a %(wanted)s.") % {
                        "name": level.name,
                        "kind": _kind(kind),
                        "wanted": _kind(level.kind),
                    }
                    errors.append(self.error(row, level.column, message))
                    break
                kinds.setdefault(names, level.kind)
                if node is None and names not in to_create:
                    problem = self.check_new(level, names, parent_id, root, siblings, new_in_file, row)
                    if problem:
                        errors.append(problem)
                        break
                    to_create[names] = level.kind
                conflict = None
                for name, value in level.explicit.items():
                    first = fields.setdefault((names, name), (value, row.number))
                    if first[0] != value:
                        conflict = self.error(row, level.columns[name], _("Row %(row)s gives this a different value.") % {"row": first[1]})
                problem = conflict or self.check(level, node, parent, row)
                if problem:
                    errors.append(problem)
                    break
                parent = node
                parent_id = node["pk"] if node else None
        if to_create:
            counts: dict[str, int] = {}
            for kind in to_create.values():
                counts[kind] = counts.get(kind, 0) + 1
            listed = "、".join(f"{_kind(kind)} {count}" for kind, count in counts.items())
            examples = "、".join("/".join(names) for names in list(to_create)[:5]) + ("…" if len(to_create) > 5 else "")
            self._notes.append(_("To be created: %(counts)s (%(examples)s).") % {"counts": listed, "examples": examples})
        return errors

    def check_new(self, level: _Level, names: tuple[str, ...], parent_id, root, siblings, new_in_file, row: Row) -> RowError | None:
        """A node the file names that does not exist: refused unless the user chose to
        create nodes, and always when it looks like an existing or another new name."""
        key = near_key(level.name)
        parent_known = parent_id is not None or (root is None and len(names) == 1)
        similar = siblings.get((parent_id, key)) if parent_known else None
        if similar is not None:
            return self.error(
                row,
                level.column,
                _(
                    "“%(name)s” looks like the existing %(kind)s “%(existing)s” (it differs only in spaces, brackets, "
                    "full-width forms or a 室/号楼 suffix). Write “%(existing)s” if it is the same one."
                )
                % {"name": level.name, "kind": _kind(level.kind), "existing": similar},
            )
        first = new_in_file.setdefault((names[:-1], key), (level.name, row.number))
        if first[0] != level.name:
            return self.error(
                row,
                level.column,
                _("“%(name)s” and “%(other)s” in row %(row)s look like the same %(kind)s: write them the same way.")
                % {"name": level.name, "other": first[0], "row": first[1], "kind": _kind(level.kind)},
            )
        if not self.options.create:
            return self.error(
                row,
                level.column,
                _(
                    "There is no %(kind)s “%(name)s” here. Correct the name, or tick “Create the units and places the file "
                    "names that do not exist yet” to create it."
                )
                % {"name": level.name, "kind": _kind(level.kind)},
            )
        return None

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        institution = default_institution()
        index = self.index(institution)
        root = self.root(institution)
        known: dict[tuple[str, ...], TreeNode] = {}
        created: set[tuple[str, ...]] = set()
        updated_rows: set[int] = set()
        changed: dict[int, TreeNode] = {}
        changed_fields: set[str] = set()
        for position in range(max(len(row["_levels"]) for row in rows)):
            new: list[TreeNode] = []
            for row in rows:
                levels: list[_Level] = row["_levels"]
                if len(levels) <= position:
                    continue
                level = levels[position]
                key = tuple(item.name for item in levels[: position + 1])
                node = known.get(key)
                if node is None:
                    parent = known[key[:-1]] if position else root
                    existing = (
                        index.child(parent.pk if parent else None, level.name) if (parent is None or key[:-1] not in created) else None
                    )
                    if existing is not None:
                        node = index.instance(existing)
                    else:
                        values = {**self.new_fields(institution), **level.defaults, **level.explicit}
                        for name in self.inherit:
                            if parent is not None and not values.get(name) and getattr(parent, name, ""):
                                values[name] = getattr(parent, name)
                        node = self.model(parent=parent, kind=level.kind, name=level.name, **values)
                        new.append(node)
                        created.add(key)
                    known[key] = node
                if key not in created:
                    differing = {name: value for name, value in level.explicit.items() if getattr(node, name) != value}
                    if differing:
                        for name, value in differing.items():
                            setattr(node, name, value)
                        changed[node.pk] = node
                        changed_fields.update(differing)
                        updated_rows.add(row.number)
            bulk_create_nodes(self.model, new)
        if changed:
            self.model.objects.bulk_update(list(changed.values()), sorted(changed_fields), batch_size=BATCH)
        counts = [0, 0, 0]
        counted: set[tuple[str, ...]] = set()
        for row in rows:
            key = tuple(item.name for item in row["_levels"])
            if key in created and key not in counted:
                counts[0] += 1
                counted.add(key)
            elif row.number in updated_rows:
                counts[1] += 1
            else:
                counts[2] += 1
        return counts[0], counts[1], counts[2]


def _gap(importer: Importer, row: Row, names: list[str], kinds: list[str], columns: list[str]) -> RowError | None:
    """A name missing above a given one: a class without its grade, a bed without its room."""
    last = max(i for i, name in enumerate(names) if name)
    for i in range(last):
        if not names[i]:
            child = next(kinds[j] for j in range(i + 1, last + 1) if names[j])
            message = _("A %(kind)s cannot be placed directly under a %(parent)s: fill in this column.") % {
                "kind": _kind(child),
                "parent": _kind(kinds[i - 1]) if i else _("nothing"),
            }
            return importer.error(row, columns[i], message)
    return None


class UnitImporter(_TreeImporter):
    """The administrative tree: 学院/部门 → 专业 → 年级 → 班级."""

    name = "units"
    title = gettext_lazy("Administrative tree")
    creates_nodes = True
    description = gettext_lazy("Colleges, departments and the hospital; majors, grades and classes.")
    model = Unit
    key = ("top", "major", "grade", "klass")
    columns = [
        Column("top", "学院/部门", required=True, aliases=("学院", "部门", "单位"), example="医学院", help="学院、部门或附属医院的名称。"),
        Column("top_kind", "单位类型", kind=CHOICE, choices=TOP_KINDS, example="学院", help="学院、部门或附属医院；空着表示学院。"),
        Column("top_code", "单位代码", max_length=50, aliases=("学院代码",), example="college-15", help="可选：其他系统识别单位用的代码。"),
        Column("major", "专业", example="临床医学", help="只有学院下设专业。"),
        Column("major_code", "专业代码", max_length=50, example="100201K", help="可选。"),
        Column("grade", "年级", example="2021级", help="例如 2021级（写 2021 也可以）。"),
        Column("klass", "班级", aliases=("班级名称",), example="临床医学2021级1班", help="班级只能设在年级下，名称在全校最好唯一。"),
        Column("class_code", "班级代码", max_length=50, help="可选。"),
    ]
    template_notes = ["每行是从学院（或部门、附属医院）往下的一条路径：不存在的单位会被创建，已存在的保持不变；代码不同时更新代码。"]

    def index(self, institution):
        return _TreeIndex(Unit, Unit.objects.subtree(institution))

    def root(self, institution):
        return institution

    def chain(self, row):
        top_kind = row["top_kind"] or Unit.Kind.COLLEGE
        names = [row["top"], row["major"], _grade_name(row["grade"]), row["klass"]]
        kinds = [top_kind, Unit.Kind.MAJOR, Unit.Kind.GRADE, Unit.Kind.CLASS]
        columns = ["top", "major", "grade", "klass"]
        code_columns = ["top_code", "major_code", "", "class_code"]
        gap = _gap(self, row, names, kinds, columns)
        if gap:
            return [], gap
        last = max(i for i, name in enumerate(names) if name)
        if last >= 1 and top_kind != Unit.Kind.COLLEGE:
            message = _("A %(kind)s cannot be placed directly under a %(parent)s.") % {"kind": _kind("major"), "parent": _kind(top_kind)}
            return [], self.error(row, "major", message)
        levels = []
        for i in range(last + 1):
            code = row[code_columns[i]] if code_columns[i] else ""
            levels.append(_Level(kinds[i], names[i], columns[i], {"code": code} if code else {}, {"code": code_columns[i]}))
        return levels, None


def _grade_name(text: str) -> str:
    return f"{text}级" if re.fullmatch(r"\d{4}", text) else text


class PlaceImporter(_TreeImporter):
    """The spatial tree: 校区 → 楼栋 (or 校门) → 房间 → 床位."""

    name = "places"
    title = gettext_lazy("Spatial tree")
    creates_nodes = True
    description = gettext_lazy("Campuses, buildings, rooms and beds; gates; labs.")
    model = Place
    inherit = ("use", "gender")
    key = ("campus", "building", "room", "bed")
    columns = [
        Column("campus", "校区", required=True, example="校本部"),
        Column(
            "building", "楼栋", aliases=("楼宇", "宿舍楼", "校门"), example="男生公寓1号楼", help="楼栋名称；用途为“校门”时是校门名称。"
        ),
        Column("room", "房间", aliases=("房间号", "宿舍号"), example="101"),
        Column("bed", "床位", aliases=("床号",), example="1号床", help="写 1 也可以，会记作“1号床”。"),
        Column(
            "use",
            "用途",
            kind=CHOICE,
            choices=PLACE_USES,
            example="宿舍",
            help="楼栋或房间的用途；实验室是房间的用途；“校门”表示这一行是校区的一个校门。",
        ),
        Column("gender", "性别", kind=CHOICE, choices=GENDERS, example="男", help="宿舍楼或宿舍房间住男生还是女生。"),
    ]
    template_notes = [
        "每行是从校区往下的一条路径：不存在的场所会被创建。用途和性别写在这一行最深的楼栋或房间上，新建的房间和床位沿用楼栋的用途和性别。"
    ]

    def index(self, institution):
        return _TreeIndex(Place, Place.objects.filter(institution=institution), extra=("use", "gender"))

    def root(self, institution):
        return None

    def new_fields(self, institution):
        return {"institution": institution}

    def chain(self, row):
        bed = row["bed"]
        if re.fullmatch(r"\d{1,2}", bed):
            bed = f"{bed}号床"
        names = [row["campus"], row["building"], row["room"], bed]
        is_gate = row["use"] == GATE
        kinds = [Place.Kind.CAMPUS, Place.Kind.GATE if is_gate else Place.Kind.BUILDING, Place.Kind.ROOM, Place.Kind.BED]
        columns = ["campus", "building", "room", "bed"]
        gap = _gap(self, row, names, kinds, columns)
        if gap:
            return [], gap
        last = max(i for i, name in enumerate(names) if name)
        if is_gate and last != 1:
            column = "building" if last == 0 else "room"
            return [], self.error(row, column, _("A gate is named in the 楼栋 column and has no rooms or beds."))
        target = min(last, 2)  # use and gender describe the deepest building or room
        if target == 0 and (row["use"] or row["gender"]):
            return [], self.error(row, "use" if row["use"] else "gender", _("Use and gender describe a building or a room."))
        levels = []
        for i in range(last + 1):
            explicit, fields, defaults = {}, {}, {}
            if i == target and not is_gate:
                if row["use"]:
                    explicit["use"], fields["use"] = row["use"], "use"
                if row["gender"]:
                    explicit["gender"], fields["gender"] = row["gender"], "gender"
            if i == 1 and target == 2 and not is_gate:
                # A building created by a room row takes the room's gender (and use, unless a lab).
                defaults = {"gender": row["gender"], "use": Place.Use.TEACHING if row["use"] == Place.Use.LAB else row["use"]}
            levels.append(_Level(kinds[i], names[i], columns[i], explicit, fields, defaults))
        return levels, None

    def check(self, level, node, parent, row):
        gender = level.explicit.get("gender")
        if level.kind == Place.Kind.ROOM and gender and parent and parent.get("gender") and parent["gender"] != gender:
            return self.error(
                row, "gender", _("The building is for %(gender)s students only.") % {"gender": dict(GENDERS)[parent["gender"]]}
            )
        if level.kind == Place.Kind.BED and parent is None and node is None:
            return None
        return None


# -- people ---------------------------------------------------------------------------------


def _unit_paths(institution: Unit) -> tuple[dict[str, list[tuple[int, str]]], dict[str, int]]:
    """The units of an institution by name (→ [(pk, kind)]) and by name path below the
    institution ("医学院/临床医学/2021级"), for resolving a cell that names a unit."""
    rows = list(Unit.objects.subtree(institution).active().values_list("pk", "parent_id", "name", "kind"))
    names = {pk: (parent_id, name) for pk, parent_id, name, _kind in rows}
    by_name: dict[str, list[tuple[int, str]]] = {}
    by_path: dict[str, int] = {}
    for pk, _parent_id, name, kind in rows:
        by_name.setdefault(name, []).append((pk, kind))
        parts, current = [], pk
        while current in names and current != institution.pk:
            parts.append(names[current][1])
            current = names[current][0]
        by_path["/".join(reversed(parts))] = pk
    by_path[institution.name] = institution.pk
    return by_name, by_path


def _resolve(
    text: str, by_name: dict, by_path: dict, institution_name: str, kinds: tuple[str, ...] | None = None
) -> tuple[int | None, str]:
    """(pk, "") for a unique name or a path; (None, why) otherwise."""
    if "/" in text:
        path = "/".join(part.strip() for part in text.strip("/").split("/"))
        if path.startswith(institution_name + "/"):
            path = path[len(institution_name) + 1 :]
        pk = by_path.get(path)
        return (pk, "") if pk else (None, _("No “%(name)s” found.") % {"name": text})
    candidates = [(pk, kind) for pk, kind in by_name.get(text, []) if kinds is None or kind in kinds]
    if len(candidates) == 1:
        return candidates[0][0], ""
    if not candidates:
        return None, _("No “%(name)s” found.") % {"name": text}
    return None, _("Several units are called “%(name)s”; write the path, e.g. 医学院/临床医学/2021级.") % {"name": text}


class StudentImporter(Importer):
    """Students, matched by student number: new ones are created, known ones updated."""

    name = "students"
    title = gettext_lazy("Students")
    blanks_option = True
    undoable = True
    exportable = True
    description = gettext_lazy("Student number, name, gender, ID number, phone, class, bed and status.")
    key = ("student_number",)
    columns = [
        Column("student_number", "学号", kind=IDENTIFIER, required=True, max_length=32, example="2021150001001"),
        Column("name", "姓名", kind=NAME, required=True, max_length=50, example="张三"),
        Column("gender", "性别", kind=CHOICE, required=True, choices=GENDERS, example="男"),
        Column("id_number", "身份证号", kind=ID_NUMBER, aliases=("身份证号码", "公民身份号码"), help="18 位，末位校验码按 GB 11643 检查。"),
        Column("phone", "手机号", kind=PHONE, aliases=("手机", "联系电话", "电话")),
        Column("college", "学院", example="医学院", help="可选；班级名称在几个学院重复时用来区分。"),
        Column("klass", "班级", required=True, example="临床医学2021级1班"),
        Column("campus", "校区", example="医学院校区"),
        Column("building", "楼栋", aliases=("宿舍楼",), example="男生公寓1号楼"),
        Column("room", "房间", aliases=("宿舍号", "寝室"), example="101"),
        Column("bed", "床位", aliases=("床号",), example="1号床"),
        Column("bed_path", "床位路径", max_length=300, help="也可以在一列里写 校区/楼栋/房间/床位。"),
        Column("status", "状态", kind=CHOICE, choices=STATUSES, example="在读", help="在读、休学、毕业或退学；空着表示在读。"),
        *MESSENGER_COLUMNS,
    ]
    template_notes = [
        "按学号匹配：新学号新建，已有学号更新。文件里没有的列不改动；空着的单元格不改动（除非选择“空单元格清空该项”）。床位写在校区、楼栋、房间、床位四列，或写在床位路径一列。"
    ]

    FIELDS = ("name", "gender", "id_number", "phone", "klass_id", "bed_id", "status")
    NEW_FIELDS = ("institution_id", "student_number", *FIELDS)

    def export_rows(self) -> list[list]:
        """The students the user may see, in this import's columns: an office exports,
        corrects and imports the file again."""
        genders, statuses = dict(GENDERS), dict(STATUSES)
        rows = (
            selectors.visible_students(self.user)
            .order_by("student_number")
            .values_list(
                "student_number",
                "name",
                "gender",
                "id_number",
                "phone",
                "klass__parent__parent__parent__name",
                "klass__name",
                "bed__parent__parent__parent__name",
                "bed__parent__parent__name",
                "bed__parent__name",
                "bed__name",
                "status",
            )
        )
        return [
            [
                number,
                name,
                genders.get(gender, ""),
                id_number,
                phone,
                college or "",
                klass,
                campus or "",
                building or "",
                room or "",
                bed or "",
                "",
                statuses.get(status, ""),
            ]
            for number, name, gender, id_number, phone, college, klass, campus, building, room, bed, status in rows.iterator(
                chunk_size=2000
            )
        ]

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        errors: list[RowError] = []
        classes: dict[str, list[tuple[int, str]]] = {}
        for pk, name, college in (
            Unit.objects.subtree(institution)
            .active()
            .filter(kind=Unit.Kind.CLASS)
            .values_list("pk", "name", "parent__parent__parent__name")
        ):
            classes.setdefault(name, []).append((pk, college))
        near_classes = {near_key(name): name for name in classes}
        beds: dict[tuple[str, str, str, str], tuple[int, str]] = {}
        if any(row["bed"] or row["bed_path"] or row["room"] for row in rows):
            for pk, bed, room, building, campus, room_gender, building_gender in (
                Place.objects.active()
                .filter(institution=institution, kind=Place.Kind.BED)
                .values_list(
                    "pk",
                    "name",
                    "parent__name",
                    "parent__parent__name",
                    "parent__parent__parent__name",
                    "parent__gender",
                    "parent__parent__gender",
                )
            ):
                beds[(campus, building, room, bed)] = (pk, room_gender or building_gender)
        existing: dict[str, tuple] = {}
        id_owner: dict[str, str] = {}
        bed_owner: dict[int, str] = {}
        for number, pk, *values in Student.objects.filter(institution=institution).values_list("student_number", "pk", *self.FIELDS):
            existing[number] = (pk, *values)
            if values[2]:
                id_owner[values[2]] = number
            if values[5]:
                bed_owner[values[5]] = number
        in_file = {row["student_number"] for row in rows}
        bed_rows: dict[int, int] = {}
        id_rows: dict[str, int] = {}
        for row in rows:
            number = row["student_number"]
            # The class, by name (and college when names repeat).
            candidates = classes.get(row["klass"], [])
            if row["college"]:
                candidates = [c for c in candidates if c[1] == row["college"]]
            if len(candidates) == 1:
                row.values["_klass"] = candidates[0][0]
            elif not candidates:
                if row["college"] and classes.get(row["klass"]):
                    message = _("The class “%(name)s” is not in %(college)s.") % {"name": row["klass"], "college": row["college"]}
                else:
                    message = _("There is no class called “%(name)s”.") % {"name": row["klass"]}
                    similar = near_classes.get(near_key(row["klass"]))
                    if similar:
                        message += _("Did you mean “%(name)s”?") % {"name": similar}
                errors.append(self.error(row, "klass", message))
            else:
                errors.append(
                    self.error(row, "klass", _("Several colleges have a class called “%(name)s”: fill in 学院.") % {"name": row["klass"]})
                )
            # The bed.
            row.values["_bed"] = None
            parts = [row["campus"], row["building"], row["room"], row["bed"]]
            column = "bed"
            if row["bed_path"] and not any(parts):
                parts = [part.strip() for part in row["bed_path"].strip("/").split("/")]
                column = "bed_path"
            if any(parts):
                if len(parts) != 4 or not all(parts):
                    errors.append(
                        self.error(row, column, _("Give the bed as 校区, 楼栋, 房间 and 床位 (all four), or leave them all empty."))
                    )
                    continue
                if re.fullmatch(r"\d{1,2}", parts[3]):
                    parts[3] = f"{parts[3]}号床"
                found = beds.get(tuple(parts))
                if found is None:
                    errors.append(self.error(row, column, _("There is no bed %(path)s.") % {"path": "/".join(parts)}))
                    continue
                bed_id, bed_gender = found
                owner = bed_owner.get(bed_id)
                if bed_id in bed_rows:
                    errors.append(
                        self.error(row, column, _("Row %(row)s gives the same bed to another student.") % {"row": bed_rows[bed_id]})
                    )
                elif owner and owner != number and owner not in in_file:
                    errors.append(self.error(row, column, _("This bed is taken by the student %(number)s.") % {"number": owner}))
                elif bed_gender and row["gender"] and bed_gender != row["gender"]:
                    gender = dict(GENDERS)[bed_gender]
                    errors.append(self.error(row, column, _("The bed is in a room for %(gender)s students.") % {"gender": gender}))
                bed_rows.setdefault(bed_id, row.number)
                row.values["_bed"] = bed_id
            # The ID number belongs to one student.
            id_number = row["id_number"]
            if id_number:
                owner = id_owner.get(id_number)
                if id_number in id_rows:
                    errors.append(self.error(row, "id_number", _("Row %(row)s has the same ID number.") % {"row": id_rows[id_number]}))
                elif owner and owner != number and owner not in in_file:
                    errors.append(self.error(row, "id_number", _("The student %(number)s has this ID number.") % {"number": owner}))
                id_rows.setdefault(id_number, row.number)
        self._existing = existing
        self._institution = institution
        return errors

    # Which columns of the file carry each field: a field whose columns are all absent is
    # left as it is on existing students.
    SOURCES = {
        "name": ("name",),
        "gender": ("gender",),
        "id_number": ("id_number",),
        "phone": ("phone",),
        "klass_id": ("klass",),
        "bed_id": ("campus", "building", "room", "bed", "bed_path"),
        "status": ("status",),
    }

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        existing = self._existing
        new: list[tuple] = []
        changed: list[Student] = []
        logs: list[tuple[int, str, dict]] = []
        moving: list[int] = []  # students whose bed or ID number changes hands
        renumbered: list[int] = []
        unchanged = 0
        institution_id = self._institution.pk
        given = [name for name in self.FIELDS if any(key in self.present for key in self.SOURCES[name])]
        for row in rows:
            values = {
                "name": row["name"],
                "gender": row["gender"],
                "id_number": row["id_number"],
                "phone": row["phone"],
                "klass_id": row["_klass"],
                "bed_id": row["_bed"],
                "status": row["status"],
            }
            old = existing.get(row["student_number"])
            if old is None:
                values["status"] = values["status"] or Student.Status.ENROLLED
                new.append((institution_id, row["student_number"], *(values[name] for name in self.FIELDS)))
                continue
            before = dict(zip(self.FIELDS, old[1:], strict=True))
            after = dict(before)
            for name in given:
                value = values[name]
                # A blank cell clears the field only when the user asked for it; a blank
                # status never does (a student is always in some status).
                if value in ("", None) and (not self.options.blanks_clear or name == "status"):
                    continue
                after[name] = value
            differing = {name: (before[name], after[name]) for name in self.FIELDS if before[name] != after[name]}
            if not differing:
                unchanged += 1
                continue
            changed.append(Student(pk=old[0], **after))
            logs.append((old[0], after["name"], differing))
            if "bed_id" in differing:
                moving.append(old[0])
            if "id_number" in differing:
                renumbered.append(old[0])
        if changed:
            # Free the beds and ID numbers that change hands first: the unique constraints are
            # checked row by row, and two students may swap beds in one file.
            for start in range(0, len(moving), BATCH):
                Student.objects.filter(pk__in=moving[start : start + BATCH]).update(bed=None)
            for start in range(0, len(renumbered), BATCH):
                Student.objects.filter(pk__in=renumbered[start : start + BATCH]).update(id_number="")
            Student.objects.bulk_update(changed, list(self.FIELDS), batch_size=BATCH)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        insert_rows(Student, [*self.NEW_FIELDS, "created_at"], [(*values, now) for values in new])
        self.log_changes(Student, logs)
        if new:
            numbers = {values[1]: values for values in new}
            ids: dict[str, int] = {}
            keys = list(numbers)
            for start in range(0, len(keys), BATCH):
                ids.update(
                    Student.objects.filter(institution_id=institution_id, student_number__in=keys[start : start + BATCH]).values_list(
                        "student_number", "pk"
                    )
                )
            created = []
            for number, values in numbers.items():
                fields = dict(zip(self.NEW_FIELDS, values, strict=True))
                created.append(
                    (
                        ids[number],
                        fields["name"],
                        {k: (None, v) for k, v in fields.items() if v not in ("", None) and k != "institution_id"},
                    )
                )
            self.log_changes(Student, created, created=True)
        write_messenger_ids(Student, "student_number", institution_id, rows)
        return len(new), len(changed), unchanged


class StaffImporter(Importer):
    """Staff, matched by staff number."""

    name = "staff"
    title = gettext_lazy("Staff")
    blanks_option = True
    undoable = True
    exportable = True
    description = gettext_lazy("Staff number, name, gender, unit, title and phone.")
    key = ("staff_number",)
    columns = [
        Column("staff_number", "工号", kind=IDENTIFIER, required=True, max_length=32, example="HX00001"),
        Column("name", "姓名", kind=NAME, required=True, max_length=50, example="李四"),
        Column("gender", "性别", kind=CHOICE, required=True, choices=GENDERS, example="女"),
        Column(
            "unit",
            "单位",
            required=True,
            aliases=("部门", "所在单位"),
            example="医学院",
            help="单位名称，重名时写路径，如 医学院/临床医学。",
        ),
        Column("title", "职务", max_length=50, aliases=("职称", "岗位"), example="辅导员"),
        Column("phone", "手机号", kind=PHONE, aliases=("手机", "联系电话", "电话")),
        Column("id_number", "身份证号", kind=ID_NUMBER, aliases=("身份证号码",)),
        *MESSENGER_COLUMNS,
    ]
    template_notes = ["按工号匹配：新工号新建，已有工号更新。文件里没有的列不改动；空着的单元格不改动（除非选择“空单元格清空该项”）。"]

    FIELDS = ("name", "gender", "unit_id", "title", "phone", "id_number")

    def export_rows(self) -> list[list]:
        """The staff the user may see, in this import's columns (the unit as a path below
        the institution, which the import reads whatever names repeat)."""
        institution = default_institution()
        _names, by_path = _unit_paths(institution) if institution else ({}, {})
        paths = {pk: path for path, pk in by_path.items()}
        genders = dict(GENDERS)
        rows = (
            selectors.visible_staff(self.user)
            .order_by("staff_number")
            .values_list("staff_number", "name", "gender", "unit_id", "title", "phone", "id_number")
        )
        return [
            [number, name, genders.get(gender, ""), paths.get(unit_id, ""), title, phone, id_number]
            for number, name, gender, unit_id, title, phone, id_number in rows.iterator(chunk_size=2000)
        ]

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        by_name, by_path = _unit_paths(institution)
        errors = []
        for row in rows:
            pk, problem = _resolve(row["unit"], by_name, by_path, institution.name, TOP_UNIT_KINDS)
            if pk is None:
                # Not a college or department: any unit of that name (a major, a class).
                pk, problem = _resolve(row["unit"], by_name, by_path, institution.name)
            if pk is None:
                errors.append(self.error(row, "unit", problem))
            row.values["_unit"] = pk
        self._institution = institution
        return errors

    SOURCES = {"name": "name", "gender": "gender", "unit_id": "unit", "title": "title", "phone": "phone", "id_number": "id_number"}

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        institution = self._institution
        existing = {
            number: (pk, *values)
            for number, pk, *values in Staff.objects.filter(institution=institution).values_list("staff_number", "pk", *self.FIELDS)
        }
        given = [name for name in self.FIELDS if self.SOURCES[name] in self.present]
        new, changed, logs, unchanged = [], [], [], 0
        for row in rows:
            values = dict(
                zip(self.FIELDS, (row["name"], row["gender"], row["_unit"], row["title"], row["phone"], row["id_number"]), strict=True)
            )
            old = existing.get(row["staff_number"])
            if old is None:
                new.append(Staff(institution=institution, staff_number=row["staff_number"], **values))
                continue
            before = dict(zip(self.FIELDS, old[1:], strict=True))
            after = dict(before)
            for name in given:
                if values[name] in ("", None) and not self.options.blanks_clear:
                    continue  # a blank cell leaves the field as it is unless asked
                after[name] = values[name]
            differing = {name: (before[name], after[name]) for name in self.FIELDS if before[name] != after[name]}
            if differing:
                changed.append(Staff(pk=old[0], **after))
                logs.append((old[0], after["name"], differing))
            else:
                unchanged += 1
        Staff.objects.bulk_update(changed, list(self.FIELDS), batch_size=BATCH)
        Staff.objects.bulk_create(new, batch_size=BATCH)
        self.log_changes(Staff, logs)
        self.log_changes(
            Staff,
            [
                (
                    staff.pk,
                    staff.name,
                    {
                        name: (None, getattr(staff, name))
                        for name in ("staff_number", *self.FIELDS)
                        if getattr(staff, name) not in ("", None)
                    },
                )
                for staff in new
            ],
            created=True,
        )
        write_messenger_ids(Staff, "staff_number", institution.pk, rows)
        return len(new), len(changed), unchanged


TOP_UNIT_KINDS = (Unit.Kind.INSTITUTION, Unit.Kind.COLLEGE, Unit.Kind.DEPARTMENT, Unit.Kind.HOSPITAL)


# -- assignments ------------------------------------------------------------------------------


class AssignmentImporter(Importer):
    """Assignments (责任): who holds which role for which unit, place or student, when.
    Matched by staff, role, target and start date."""

    name = "assignments"
    title = gettext_lazy("Assignments")
    description = gettext_lazy("Who is responsible for which unit, place or student, from when to when.")
    key = ("staff_number", "role", "target", "start_date")
    columns = [
        Column("staff_number", "工号", kind=IDENTIFIER, required=True, max_length=32, example="HX00001"),
        Column("role", "角色", kind=CHOICE, required=True, choices=ROLE_LABELS, aliases=("职责",), example="辅导员"),
        Column(
            "target",
            "对象",
            required=True,
            max_length=300,
            aliases=("负责对象",),
            example="医学院/临床医学/2021级",
            help="单位路径（医学院/临床医学/2021级）、场所路径（校本部/东门）或学生学号；名称唯一时只写名称也可以。",
        ),
        Column("start_date", "开始日期", kind=DATE, required=True, example="2022-07-14"),
        Column("end_date", "结束日期", kind=DATE, help="空着表示一直负责到另行安排。"),
        Column("note", "备注", max_length=200),
    ]
    template_notes = ["同一工号、角色、对象和开始日期的行视为同一条责任：再次导入只更新结束日期和备注。"]

    def validate(self, rows: list[Row]) -> list[RowError]:
        institution = default_institution()
        if institution is None:
            return [RowError(0, "", _("Create the institution first: there is no institution to import into."))]
        errors: list[RowError] = []
        staff = dict(Staff.objects.filter(institution=institution).values_list("staff_number", "pk"))
        roles = {row["role"] for row in rows}
        wants = {kind for role in roles for kind in ASSIGNMENT_TARGETS.get(role, {})}
        students = dict(Student.objects.filter(institution=institution).values_list("student_number", "pk")) if "student" in wants else {}
        unit_names, unit_paths = _unit_paths(institution) if "unit" in wants else ({}, {})
        unit_kinds = dict(Unit.objects.subtree(institution).values_list("pk", "kind")) if "unit" in wants else {}
        place_names, place_paths, place_info = _place_paths(institution) if "place" in wants else ({}, {}, {})
        held: dict[tuple, list[tuple[int, date, date | None, str]]] = {}
        for pk, staff_id, role, unit_id, place_id, student_id, start, end, note in Assignment.objects.filter(
            staff__institution=institution, role__in=roles
        ).values_list("pk", "staff_id", "role", "unit_id", "place_id", "student_id", "start_date", "end_date", "note"):
            held.setdefault((staff_id, role, unit_id, place_id, student_id), []).append((pk, start, end, note))
        in_file: dict[tuple, list[tuple[date, date | None, int]]] = {}
        for row in rows:
            staff_id = staff.get(row["staff_number"])
            if staff_id is None:
                errors.append(
                    self.error(
                        row, "staff_number", _("There is no staff member with the number %(number)s.") % {"number": row["staff_number"]}
                    )
                )
            start, end = row["start_date"], row["end_date"]
            if end and start and end < start:
                errors.append(self.error(row, "end_date", _("An assignment cannot end before it starts.")))
                continue
            target, problem = self.target(
                row, students, unit_names, unit_paths, unit_kinds, place_names, place_paths, place_info, institution
            )
            if problem:
                errors.append(self.error(row, "target", problem))
                continue
            if staff_id is None:
                continue
            key = (staff_id, row["role"], *target)
            row.values["_key"] = key
            for _pk, other_start, other_end, _note in held.get(key, []):
                if other_start != start and _overlap(start, end, other_start, other_end):
                    message = _("This person already holds this role for it from %(start)s to %(end)s.") % {
                        "start": other_start,
                        "end": other_end or "—",
                    }
                    errors.append(self.error(row, "start_date", message))
                    break
            for other_start, other_end, number in in_file.get(key, []):
                if other_start != start and _overlap(start, end, other_start, other_end):
                    errors.append(self.error(row, "start_date", _("The period overlaps row %(row)s.") % {"row": number}))
                    break
            in_file.setdefault(key, []).append((start, end, row.number))
        self._held = held
        return errors

    def target(self, row, students, unit_names, unit_paths, unit_kinds, place_names, place_paths, place_info, institution):
        """(unit_id, place_id, student_id) of the 对象 cell, or an error."""
        allowed = ASSIGNMENT_TARGETS.get(row["role"], {})
        text = row["target"]
        role = dict(ROLE_LABELS).get(row["role"], row["role"])
        if allowed.get("student"):
            pk = students.get(text)
            return ((None, None, pk), None) if pk else (None, _("There is no student with the number %(number)s.") % {"number": text})
        problems = []
        if allowed.get("unit"):
            pk, problem = _resolve(text, unit_names, unit_paths, institution.name, allowed["unit"])
            if pk is None and "/" not in text:
                pk, problem = _resolve(text, unit_names, unit_paths, institution.name)
            if pk is not None:
                if unit_kinds.get(pk) in allowed["unit"]:
                    return (pk, None, None), None
                problem = _("A %(role)s is held for a %(kinds)s, not a %(kind)s.") % {
                    "role": role,
                    "kinds": "、".join(_kind(k) for k in allowed["unit"]),
                    "kind": _kind(unit_kinds.get(pk, "")),
                }
            problems.append(problem)
        if allowed.get("place"):
            pk, problem = _resolve(text, place_names, place_paths, "", allowed["place"])
            if pk is None and "/" not in text:
                pk, problem = _resolve(text, place_names, place_paths, "")
            if pk is not None:
                kind, use = place_info[pk]
                if kind in allowed["place"] and (not allowed.get("use") or use == allowed["use"]):
                    return (None, pk, None), None
                problem = _("A %(role)s is held for a %(kinds)s, not a %(kind)s.") % {
                    "role": role,
                    "kinds": "、".join(_kind(k) for k in allowed["place"]) + ("（实验室）" if allowed.get("use") else ""),
                    "kind": _kind(kind),
                }
            if not problems or "/" in text:
                problems.append(problem)
        return None, problems[-1] if problems else _("This role cannot be imported.")

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        new: list[Assignment] = []
        changed: list[Assignment] = []
        unchanged = 0
        for row in rows:
            staff_id, role, unit_id, place_id, student_id = row["_key"]
            end, note = row["end_date"], row["note"]
            match = next((held for held in self._held.get(row["_key"], []) if held[1] == row["start_date"]), None)
            if match is None:
                new.append(
                    Assignment(
                        staff_id=staff_id,
                        role=role,
                        unit_id=unit_id,
                        place_id=place_id,
                        student_id=student_id,
                        start_date=row["start_date"],
                        end_date=end,
                        note=note,
                        created_by=self.user if getattr(self.user, "pk", None) else None,
                    )
                )
            elif (match[2], match[3]) != (end, note):
                changed.append(Assignment(pk=match[0], end_date=end, note=note))
            else:
                unchanged += 1
        Assignment.objects.bulk_update(changed, ["end_date", "note"], batch_size=BATCH)
        Assignment.objects.bulk_create(new, batch_size=BATCH)
        return len(new), len(changed), unchanged


def _overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    return (end is None or other_start <= end) and (other_end is None or other_end >= start)


def _place_paths(institution: Unit) -> tuple[dict, dict, dict]:
    """Places other than beds by name and by name path ("校本部/东门"), and their kind and use."""
    rows = list(
        Place.objects.active()
        .filter(institution=institution)
        .exclude(kind=Place.Kind.BED)
        .values_list("pk", "parent_id", "name", "kind", "use")
    )
    names = {pk: (parent_id, name) for pk, parent_id, name, _kind, _use in rows}
    by_name: dict[str, list[tuple[int, str]]] = {}
    by_path: dict[str, int] = {}
    info: dict[int, tuple[str, str]] = {}
    for pk, _parent_id, name, kind, use in rows:
        by_name.setdefault(name, []).append((pk, kind))
        info[pk] = (kind, use)
        parts, current = [], pk
        while current in names:
            parts.append(names[current][1])
            current = names[current][0]
        by_path["/".join(reversed(parts))] = pk
    return by_name, by_path, info


# -- photos --------------------------------------------------------------------------------


class _PhotoImporter(Importer):
    """Photos in a ZIP archive, one file per person named by their number (2021001.jpg, in
    any folder). All-or-nothing like the spreadsheets: every photo is decoded and cleaned
    (photos.prepare) before anything is stored; any bad entry refuses the whole archive with
    "entry name · problem". A college admin may import the photos of their own college."""

    model: ClassVar[type[Student] | type[Staff]]
    number_field: ClassVar[str]
    columns: ClassVar[list[Column]] = []
    roles: ClassVar[frozenset[str]] = PEOPLE_WRITERS
    file_label = gettext_lazy("ZIP file of photos (.zip)")
    accept = ".zip,application/zip,application/x-zip-compressed"
    missing_file = gettext_lazy("Choose a .zip file to upload.")
    has_template = False
    page_template = "org/import/photos.html"
    limits: ClassVar[dict[str, int]] = {"photos": photos.ARCHIVE_MAX_PHOTOS, "megabytes": photos.ARCHIVE_MAX_BYTES // (1024 * 1024)}
    example: ClassVar[str]
    visible: ClassVar[Callable]  # selector: user → the people they may see
    unknown: ClassVar  # message for a number outside them, with %(number)s

    def people(self, numbers: set[str]) -> dict[str, tuple[int, str]]:
        """The people of these numbers whom the uploader may change: number → (pk, photo)."""
        institution = default_institution()
        visible = self.visible(self.user).filter(institution=institution) if institution else self.model.objects.none()
        return {
            number: (pk, photo)
            for number, pk, photo in visible.filter(**{f"{self.number_field}__in": numbers}).values_list(self.number_field, "pk", "photo")
        }

    def run(self, upload, *, dry_run: bool = False, options: ImportOptions | None = None) -> ImportReport:
        report = ImportReport(title=str(self.title), dry_run=dry_run)
        try:
            archive, entries = photos.open_archive(upload)
        except ValidationError as exc:
            report.errors.append(RowError(0, "", exc.messages[0]))
            return report
        report.rows = len(entries)
        people = self.people({entry.number for entry in entries})
        seen: dict[str, str] = {}
        cleaned: list[tuple[int, str, bytes]] = []  # (pk, old photo, new JPEG)
        with archive:
            for entry in sorted(entries, key=lambda e: e.name):
                problem = None
                if entry.extension in photos.EXTENSIONS:  # other files are refused by read_entry
                    if entry.number not in people:
                        problem = self.unknown % {"number": entry.number}
                    elif entry.number in seen:
                        problem = _("Another file is for the same person: %(other)s.") % {"other": seen[entry.number]}
                    seen.setdefault(entry.number, entry.name)
                try:
                    data = photos.read_entry(archive, entry)
                except ValidationError as exc:
                    problem = problem or exc.messages[0]
                if problem:
                    report.errors.append(RowError(0, entry.name, problem))
                elif not report.errors:
                    cleaned.append((*people[entry.number], data))
        if report.errors or dry_run:
            return report
        self.store(cleaned, report)
        return report

    def store(self, cleaned: list[tuple[int, str, bytes]], report: ImportReport) -> None:
        """Write the files, then point the people at them in one transaction with the audit
        event. If anything fails, the new files are deleted; the old ones go after the commit."""
        storage = self.model._meta.get_field("photo").storage
        written: list[str] = []
        try:
            for _pk, _old, data in cleaned:
                written.append(storage.save(photos.new_name(), ContentFile(data)))
            with transaction.atomic():
                stored = [(pk, old, name) for (pk, old, _data), name in zip(cleaned, written, strict=True)]
                report.created, report.updated, report.unchanged = self.apply(stored)
                self.after_apply(report)
        except BaseException:
            for name in written:
                storage.delete(name)
            raise
        old_names = [old for _pk, old, _data in cleaned if old]

        def delete_replaced() -> None:
            for name in old_names:
                storage.delete(name)

        transaction.on_commit(delete_replaced)

    def apply(self, rows: list[tuple[int, str, str]]) -> tuple[int, int, int]:
        """Point each person (pk, old photo) at their new file: (created, updated, 0)."""
        self.model.objects.bulk_update([self.model(pk=pk, photo=name) for pk, _old, name in rows], ["photo"], batch_size=BATCH)
        created = sum(1 for _pk, old, _name in rows if not old)
        return created, len(rows) - created, 0


class StudentPhotoImporter(_PhotoImporter):
    name = "student_photos"
    title = gettext_lazy("Student photos")
    description = gettext_lazy("A ZIP file of photos named by student number, such as 2021001.jpg.")
    model = Student
    number_field = "student_number"
    example = "2021001.jpg"
    visible = staticmethod(selectors.visible_students)
    unknown = gettext_lazy("No student with the number %(number)s among the students you may change.")


class StaffPhotoImporter(_PhotoImporter):
    name = "staff_photos"
    title = gettext_lazy("Staff photos")
    description = gettext_lazy("A ZIP file of photos named by staff number, such as HX00001.jpg.")
    model = Staff
    number_field = "staff_number"
    example = "HX00001.jpg"
    visible = staticmethod(selectors.visible_staff)
    unknown = gettext_lazy("No staff member with the number %(number)s among the staff you may change.")


IMPORTERS: dict[str, type[Importer]] = {
    importer.name: importer
    for importer in (
        UnitImporter,
        PlaceImporter,
        StaffImporter,
        StudentImporter,
        AssignmentImporter,
        StudentPhotoImporter,
        StaffPhotoImporter,
    )
}
