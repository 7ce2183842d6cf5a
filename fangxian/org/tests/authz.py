"""Authorization matrix entries for the organisation's pages and API (see fangxian/testing_authz.py).

Roles, as the mini university casts them: the college admin holds the 医学院 (college), the
counselor its 2021级 grade, the guard the east gate, the student is students[0]. "in" is an
object inside the counselor's grade (or the guard's gate for places); "out" one in the other
college (or a building the guard does not hold).
"""

from __future__ import annotations

from fangxian.org.testing import make_id_number, make_image
from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)

# Who may open the pages at all (the rest is scope).
TREE = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 200}
PEOPLE = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 200}
ASSIGN_READ = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200}
COVER = {"office": 200, "leader": 200, "inspector": 200, "college": 200}
ONLY_OFFICE = {"office": 200}
OFFICE_AND_COLLEGE = {"office": 200, "college": 200}


def _resolve(world, dotted: str):
    obj = world.uni
    for part in dotted.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def _pk(attr, out_attr):
    def build(world, user, which):
        return {"pk": _resolve(world, attr if which == "in" else out_attr).pk}

    return build


def _with_photo(attr, out_attr):
    """Like _pk, for a person who has a photo (given once, outside the rolled-back calls)."""

    def build(world, user, which):
        from fangxian.org import photos, services

        person = _resolve(world, attr if which == "in" else out_attr)
        if not person.photo:
            services.person_set_photo(person=person, photo=photos.prepare(make_image()))
        return {"pk": person.pk}

    return build


def _photo_file(world, user, which):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"photo": SimpleUploadedFile("photo.jpg", make_image(), content_type="image/jpeg")}


def _photo_entries(kind: str, visible: dict, in_attr: str, out_attr: str) -> list[Entry]:
    """The image (readers of the person's page), upload and removal (people writers)."""
    return [
        Entry(f"org:{kind}_photo", get=expect(403, **visible), kwargs=_with_photo(in_attr, out_attr)),
        Entry(
            f"org:{kind}_photo_upload",
            get=expect(405),
            post=expect(403, office=302, college=302),
            kwargs=_pk(in_attr, out_attr),
            data=_photo_file,
            anonymous_get=405,
            anonymous_post=302,
        ),
        Entry(
            f"org:{kind}_photo_remove",
            get=expect(405),
            post=expect(403, office=302, college=302),
            kwargs=_with_photo(in_attr, out_attr),
            anonymous_get=405,
            anonymous_post=302,
        ),
    ]


def _assignment(world, user, which):
    from fangxian.org.models import Assignment

    staff = world.uni.counselor if which == "in" else world.uni.other_counselor
    return {"pk": Assignment.objects.get(staff=staff).pk}


def _tree_entries(tree: str, in_attr: str, out_attr: str, visible: dict, *, create_data, edit_data, move_data):
    node = _pk(in_attr, out_attr)
    return [
        Entry(f"org:{tree}_tree", get=expect(403, **TREE)),
        Entry(
            f"org:{tree}_create",
            get=expect(403, **ONLY_OFFICE),
            post=expect(403, office=302),
            data=create_data,
        ),
        Entry(f"org:{tree}_detail", get=expect(403, **visible), kwargs=node),
        Entry(f"org:{tree}_children", get=expect(403, **visible), kwargs=node),
        Entry(f"org:{tree}_history", get=expect(403, **visible), kwargs=node),
        Entry(f"org:{tree}_edit", get=expect(403, **ONLY_OFFICE), post=expect(403, office=302), kwargs=node, data=edit_data),
        Entry(f"org:{tree}_move", get=expect(403, **ONLY_OFFICE), post=expect(403, office=302), kwargs=node, data=move_data),
        Entry(f"org:{tree}_archive", get=expect(405), post=expect(403, office=302), kwargs=node, anonymous_get=405, anonymous_post=302),
        Entry(f"org:{tree}_restore", get=expect(405), post=expect(403, office=302), kwargs=node, anonymous_get=405, anonymous_post=302),
        # Deleting a node in use re-shows the page with the reason (200) and deletes nothing.
        Entry(f"org:{tree}_delete", get=expect(403, **ONLY_OFFICE), post=expect(403, office=200), kwargs=node),
    ]


UNIT_VISIBLE = {**TREE, "guard": 404}
PLACE_VISIBLE = {**TREE, "college": 404, "counselor": 404}

ENTRIES = [
    # Spreadsheet imports: the prevention office only.
    Entry("org:import_index", get=expect(403, **ONLY_OFFICE)),
    Entry("org:import", get=expect(403, **ONLY_OFFICE), kwargs=lambda w, u, which: {"name": "students"}, scoped=False),
    Entry("org:import_batches", get=expect(403, **ONLY_OFFICE)),
    Entry("org:import_export", get=expect(403, **ONLY_OFFICE), kwargs=lambda w, u, which: {"name": "students"}, scoped=False),
    Entry(
        "org:import_batch_undo",
        get=expect(403, office=405),
        post=expect(403, office=404),  # no batch with that number
        kwargs=lambda w, u, which: {"pk": 999999},
        scoped=False,
        anonymous_post=302,
    ),
    *_tree_entries(
        "unit",
        "klass",
        "other_klass",
        UNIT_VISIBLE,
        create_data=lambda w, u, which: {"parent": w.uni.institution.pk, "name": "新学院", "kind": "college", "sort_order": 0},
        edit_data=lambda w, u, which: {"name": "新名字", "code": "", "campus": "", "sort_order": 0},
        move_data=lambda w, u, which: {"parent": w.uni.other_grade.pk},
    ),
    *_tree_entries(
        "place",
        "gate",
        "building",
        PLACE_VISIBLE,
        create_data=lambda w, u, which: {"parent": w.uni.campus.pk, "name": "2号公寓", "kind": "building", "use": "dorm", "sort_order": 0},
        edit_data=lambda w, u, which: {"name": "北门", "code": "", "use": "", "gender": "", "sort_order": 0},
        move_data=lambda w, u, which: {"parent": w.uni.campus.pk},
    ),
    # People.
    Entry("org:student_list", get=expect(403, **PEOPLE)),
    Entry(
        "org:student_create",
        get=expect(403, **OFFICE_AND_COLLEGE),
        post=expect(403, office=302, college=302),
        data=lambda w, u, which: {
            "student_number": "2099000001",
            "name": "新生",
            "gender": "M",
            "id_number": make_id_number(),
            "klass": w.uni.klass.pk,
            "status": "enrolled",
        },
    ),
    Entry(
        "org:student_detail",
        get=expect(403, **{**PEOPLE, "student": 200, "guard": 404}),
        kwargs=_pk("students.0", "other_students.0"),
    ),
    Entry(
        "org:student_edit",
        get=expect(403, **OFFICE_AND_COLLEGE),
        post=expect(403, office=302, college=302),
        kwargs=_pk("students.0", "other_students.0"),
        data=lambda w, u, which: {
            "student_number": (w.uni.students[0] if which == "in" else w.uni.other_students[0]).student_number,
            "name": "改名",
            "gender": "M",
            "klass": (w.uni.klass if which == "in" else w.uni.other_klass).pk,
            "status": "enrolled",
        },
    ),
    Entry(
        "org:student_reveal",
        get=expect(405),
        post=expect(403, office=200, college=200, counselor=200),
        kwargs=_pk("students.0", "other_students.0"),
        data=lambda w, u, which: {"field": "id_number", "reason": "verify"},
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "org:student_link_user",
        get=expect(405),
        post=expect(403, office=302),
        kwargs=_pk("students.0", "other_students.0"),
        data=lambda w, u, which: {"username": ""},
        anonymous_get=405,
        anonymous_post=302,
    ),
    *_photo_entries("student", {**PEOPLE, "student": 200, "guard": 404}, "students.0", "other_students.0"),
    Entry("org:staff_list", get=expect(403, **PEOPLE)),
    Entry(
        "org:staff_create",
        get=expect(403, **OFFICE_AND_COLLEGE),
        post=expect(403, office=302, college=302),
        data=lambda w, u, which: {"staff_number": "T99999", "name": "新老师", "gender": "F", "unit": w.uni.college.pk, "is_active": "on"},
    ),
    Entry("org:staff_detail", get=expect(403, **{**PEOPLE, "guard": 404}), kwargs=_pk("counselor", "other_counselor")),
    Entry(
        "org:staff_edit",
        get=expect(403, **OFFICE_AND_COLLEGE),
        post=expect(403, office=302, college=302),
        kwargs=_pk("counselor", "other_counselor"),
        data=lambda w, u, which: {
            "staff_number": (w.uni.counselor if which == "in" else w.uni.other_counselor).staff_number,
            "name": "改名",
            "gender": "F",
            "unit": (w.uni.college if which == "in" else w.uni.other_college).pk,
            "is_active": "on",
        },
    ),
    Entry(
        "org:staff_reveal",
        get=expect(405),
        post=expect(403, office=200, college=200, counselor=200),
        kwargs=_pk("counselor", "other_counselor"),
        data=lambda w, u, which: {"field": "phone", "reason": "contact"},
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "org:staff_link_user",
        get=expect(405),
        post=expect(403, office=302),
        kwargs=_pk("counselor", "other_counselor"),
        data=lambda w, u, which: {"username": ""},
        anonymous_get=405,
        anonymous_post=302,
    ),
    *_photo_entries("staff", {**PEOPLE, "guard": 404}, "counselor", "other_counselor"),
    # Assignments.
    Entry("org:assignment_list", get=expect(403, **ASSIGN_READ)),
    Entry(
        "org:assignment_create",
        get=expect(403, **OFFICE_AND_COLLEGE),
        post=expect(403, office=302, college=302),
        data=lambda w, u, which: {"role": "class_teacher", "staff": w.uni.counselor.pk, "unit": w.uni.klass.pk, "start_date": "2024-01-01"},
    ),
    Entry(
        "org:assignment_handover",
        get=expect(403, **OFFICE_AND_COLLEGE),
        post=expect(403, office=302, college=302),
        kwargs=_assignment,
        data=lambda w, u, which: {"to_staff": w.uni.college_admin.pk if which == "in" else w.uni.counselor.pk, "on": "2024-01-01"},
    ),
    Entry(
        "org:assignment_end",
        get=expect(405),
        post=expect(403, office=302, college=302),
        kwargs=_assignment,
        data=lambda w, u, which: {"end_date": "2024-01-01"},
        anonymous_get=405,
        anonymous_post=302,
    ),
    # Coverage.
    Entry("org:coverage", get=expect(403, **COVER)),
    Entry("org:coverage_export", get=expect(403, **COVER)),
    # Autocomplete (GET only).
    Entry("org:ac_staff", get=expect(403, **PEOPLE), query="q=刘"),
    Entry("org:ac_students", get=expect(403, **PEOPLE), query="q=2021"),
    Entry("org:ac_units", get=expect(403, **TREE), query="q=临床"),
    Entry("org:ac_places", get=expect(403, **TREE), query="q=门"),
    # API: the same roles and scope; unauthenticated calls are refused.
    Entry("org-unit-list", get=expect(403, **TREE), anonymous_get=API_ANON),
    Entry("org-unit-detail", get=expect(403, **UNIT_VISIBLE), kwargs=_pk("klass", "other_klass"), anonymous_get=API_ANON),
    Entry("org-place-list", get=expect(403, **TREE), anonymous_get=API_ANON),
    Entry("org-place-detail", get=expect(403, **PLACE_VISIBLE), kwargs=_pk("gate", "building"), anonymous_get=API_ANON),
    Entry("org-student-list", get=expect(403, **{**PEOPLE, "student": 200}), anonymous_get=API_ANON),
    Entry(
        "org-student-detail",
        get=expect(403, **{**PEOPLE, "student": 200, "guard": 404}),
        kwargs=_pk("students.0", "other_students.0"),
        anonymous_get=API_ANON,
    ),
    Entry("org-staff-list", get=expect(403, **PEOPLE), anonymous_get=API_ANON),
    Entry(
        "org-staff-detail", get=expect(403, **{**PEOPLE, "guard": 404}), kwargs=_pk("counselor", "other_counselor"), anonymous_get=API_ANON
    ),
    Entry(
        "org-assignment-list",
        get=expect(403, **ASSIGN_READ),
        post=expect(403, office=201, college=201),
        data=lambda w, u, which: {"role": "class_teacher", "staff": w.uni.counselor.pk, "unit": w.uni.klass.pk, "start_date": "2024-01-01"},
        anonymous_get=API_ANON,
    ),
    Entry("org-assignment-detail", get=expect(403, **ASSIGN_READ), kwargs=_assignment, anonymous_get=API_ANON),
    Entry(
        "org-assignment-end",
        get=expect(403, office=405, leader=405, inspector=405, college=405, counselor=405),
        post=expect(403, office=200, college=200),
        kwargs=_assignment,
        data=lambda w, u, which: {"end_date": "2024-01-01"},
        anonymous_get=API_ANON,
    ),
    Entry(
        "org-assignment-handover",
        get=expect(403, office=405, leader=405, inspector=405, college=405, counselor=405),
        post=expect(403, office=201, college=201),
        kwargs=_assignment,
        data=lambda w, u, which: {"to_staff": w.uni.college_admin.pk if which == "in" else w.uni.counselor.pk, "on": "2024-01-01"},
        anonymous_get=API_ANON,
    ),
    Entry("org-coverage-gaps", get=expect(403, **COVER), anonymous_get=API_ANON),
]
