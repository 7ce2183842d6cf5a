"""The two trees: rows are chains of names from the top down (学院 → 专业 → 年级 → 班级,
校区 → 楼栋/校门 → 房间 → 床位); missing nodes are created level by level, in bulk."""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass, field

from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import CHOICE, Column, Importer, Row, RowError

from ..models import Place, TreeNode, Unit
from .common import BATCH, GENDERS, _kind, default_institution, near_key

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
    (level by level, in bulk); the fields a row gives are set on the node they belong to.
    Every created node and changed field is in the change log with the batch, which can be
    undone while nothing was placed under or in its new nodes since."""

    undoable = True

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
        changes: dict[int, dict[str, tuple[object, object]]] = {}  # node pk → {field: (old, new)}
        all_new: list[TreeNode] = []
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
                            changes.setdefault(node.pk, {}).setdefault(name, (getattr(node, name), value))
                            setattr(node, name, value)
                        changed[node.pk] = node
                        changed_fields.update(differing)
                        updated_rows.add(row.number)
            bulk_create_nodes(self.model, new)
            all_new += new
        if changed:
            self.model.objects.bulk_update(list(changed.values()), sorted(changed_fields), batch_size=BATCH)
        self.log_changes(
            self.model,
            [
                (pk, changed[pk].name, {name: (old, getattr(changed[pk], name)) for name, (old, _new) in fields.items()})
                for pk, fields in changes.items()
            ],
        )
        shown = ("name", "kind", "parent_id", "code", "use", "gender")
        self.log_changes(
            self.model,
            [
                (node.pk, node.name, {name: (None, getattr(node, name)) for name in shown if getattr(node, name, None) not in ("", None)})
                for node in all_new
            ],
            created=True,
            # Renamed or moved since: the undo would remove a node someone has taken over.
            holds=("name", "parent_id"),
        )
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
