"""Spreadsheet imports of the organisation: the two trees, students, staff and assignments,
and photo archives; one module per job, with what they share in `common`.

Each importer follows core.importing: all-or-nothing, "check only", errors as
"第 N 行 · 列名 · 问题", and re-importing the same file changes nothing. Files can be large
(a university's 30,000 students), so nothing here queries per row: `validate` loads what it
needs in a few queries into dicts, checks every row in Python (the checks `full_clean` and
the database constraints would make, done in bulk), and `apply` writes with bulk_create and
bulk_update in batches.
"""

from fangxian.core.importing import Importer

from .assignments import ROLE_LABELS, AssignmentImporter
from .common import BATCH, GENDERS, KIND_NAMES, default_institution, insert_rows, near_key
from .photo_archives import StaffPhotoImporter, StudentPhotoImporter
from .staff import TOP_UNIT_KINDS, StaffImporter
from .students import STATUSES, StudentImporter
from .trees import GATE, PLACE_USES, TOP_KINDS, PlaceImporter, UnitImporter, bulk_create_nodes

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

__all__ = [
    "IMPORTERS",
    "BATCH",
    "GENDERS",
    "KIND_NAMES",
    "default_institution",
    "insert_rows",
    "near_key",
    "GATE",
    "PLACE_USES",
    "TOP_KINDS",
    "bulk_create_nodes",
    "UnitImporter",
    "PlaceImporter",
    "STATUSES",
    "StudentImporter",
    "TOP_UNIT_KINDS",
    "StaffImporter",
    "ROLE_LABELS",
    "AssignmentImporter",
    "StudentPhotoImporter",
    "StaffPhotoImporter",
]
