"""Authorization matrix entries for gate control (see fangxian/testing_authz.py).

The mini university's guard is posted at the east gate of 校本部; the counselor and the
college admin are staff of 医学院, the student is students[0]. "in" is an object on 校本部
(or a visit the counselor hosts, a leave of students[0]); "out" one on a second campus
made for the matrix (医学校区 with its 南门), hosted by the other college's counselor, or a
leave of a student of the other college.

Pages read and write JSON or forms: a POST with an empty or form-encoded body that passes
the guard gets the page's own answer (200 with the form's errors, 400 for the station's
JSON endpoints), which is what tells "allowed in" apart from 403/404.
"""

from __future__ import annotations

from datetime import timedelta

from fangxian.testing_authz import Entry, expect

OVERSEERS = {"office": 200, "leader": 200, "inspector": 200, "guard": 200}
OFFICE_GUARD = {"office": 200, "guard": 200}
# Pages for anyone with a person behind the account (a student or a member of staff).
PEOPLE = {"student": 200, "counselor": 200, "college": 200, "guard": 200}
# Everyone else who is signed in has no pass, leave or visits: 404.
NOBODY = 404


def _other_campus(world):
    """A second campus with its own gate, made once per matrix world."""
    from fangxian.org.models import Place
    from fangxian.org.testing import PlaceFactory

    if not hasattr(world, "_gates_other_campus"):
        campus = PlaceFactory(kind=Place.Kind.CAMPUS, name="医学校区", institution=world.uni.institution)
        gate = PlaceFactory(kind=Place.Kind.GATE, name="南门", parent=campus, institution=world.uni.institution)
        world._gates_other_campus = (campus, gate)
    return world._gates_other_campus


def _campus(world, user, which):
    return {"campus_id": (world.uni.campus if which == "in" else _other_campus(world)[0]).pk}


def _gate(world, user, which):
    return {"gate_id": (world.uni.gate if which == "in" else _other_campus(world)[1]).pk}


def _device(world, user, which):
    from fangxian.gates import services

    if not hasattr(world, "_gates_device"):
        world._gates_device = services.device_issue(gate=world.uni.gate, name="岗亭平板")[0]
    return {"device_id": world._gates_device.pk}


def _revocation(world, user, which):
    from fangxian.gates import services

    if not hasattr(world, "_gates_revocation"):
        world._gates_revocation = services.revoke_passes(subject=f"S{world.uni.students[1].pk}", reason="证件遗失")
    return {"pk": world._gates_revocation.pk}


def _leave(world, user, which):
    from django.utils import timezone

    from fangxian.gates.models import LeaveApplication

    key = f"_gates_leave_{which}"
    if not hasattr(world, key):
        student = world.uni.students[0] if which == "in" else world.uni.other_students[0]
        start = timezone.now() + timedelta(hours=1)
        leave = LeaveApplication.objects.create(
            student=student, purpose="就医", destination="市人民医院", starts_at=start, ends_at=start + timedelta(hours=3)
        )
        setattr(world, key, leave)
    return {"pk": getattr(world, key).pk}


def _visit(world, user=None, which="in"):
    from django.utils import timezone

    from fangxian.gates import services
    from fangxian.gates.models import Category
    from fangxian.org.testing import make_id_number

    key = f"_gates_visit_{which}"
    if not hasattr(world, key):
        start = timezone.now() - timedelta(hours=1)
        visit = services.visit_create(
            host=world.uni.counselor if which == "in" else world.uni.other_counselor,
            campus=world.uni.campus if which == "in" else _other_campus(world)[0],
            kind=Category.VISITOR,
            name="访客 周敏",
            id_number=make_id_number(),
            purpose="学术交流",
            starts_at=start,
            ends_at=start + timedelta(hours=6),
            invited=False,
        )
        setattr(world, key, visit)
    return getattr(world, key)


def _visit_pk(world, user, which):
    return {"pk": _visit(world, user, which).pk}


def _approved_visit_token(world, user, which):
    from fangxian.gates.models import Visit

    visit = _visit(world, user, "in")
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
    return {"token": visit.token}


def _vehicle(world, user, which):
    from django.utils import timezone

    from fangxian.gates import services

    key = f"_gates_vehicle_{which}"
    if not hasattr(world, key):
        now = timezone.now()
        vehicle = services.vehicle_register(
            plate="甘G12345" if which == "in" else "甘GD12345",
            owner="后勤 送货车",
            campus=world.uni.campus if which == "in" else _other_campus(world)[0],
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
        )
        setattr(world, key, vehicle)
    return {"pk": getattr(world, key).pk}


def _photo_scan(world, user, which):
    """A scan just made at the guard's gate ("in") or at the other campus's gate ("out") of
    a student who has a photo."""
    from fangxian.gates import services
    from fangxian.org import photos
    from fangxian.org import services as org_services
    from fangxian.org.testing import make_image

    key = f"_gates_photo_scan_{which}"
    if not hasattr(world, key):
        student = world.uni.students[1]
        if not student.photo:
            org_services.person_set_photo(person=student, photo=photos.prepare(make_image()))
        gate = world.uni.gate if which == "in" else _other_campus(world)[1]
        setattr(world, key, services.scan(text=student.student_number, gate=gate, direction="in")[0])
    return {"scan_id": getattr(world, key).scan_id}


ENTRIES = [
    # Overview, campus pages, policies, devices, alerts.
    Entry("gates:overview", get=expect(403, **OVERSEERS)),
    # A guard sees the campus of the gate they are posted at, not another campus.
    Entry("gates:campus", get=expect(403, **OVERSEERS), kwargs=_campus),
    Entry(
        "gates:policy_new",
        get=expect(403, office=200),
        # An empty form comes back with its errors and publishes nothing.
        post=expect(403, office=200),
        kwargs=_campus,
    ),
    Entry(
        "gates:device_new",
        get=expect(403, office=405),
        post=expect(403, office=200),  # the token page, shown once
        kwargs=_campus,
        data=lambda w, u, which: {"gate": (w.uni.gate if which == "in" else _other_campus(w)[1]).pk, "name": "岗亭平板"},
    ),
    Entry(
        "gates:device_withdraw",
        get=expect(403, office=405),
        post=expect(403, office=302),
        kwargs=_device,
        scoped=False,
    ),
    Entry("gates:alerts", get=expect(403, **OVERSEERS)),
    # Revocations: the office revokes and lifts; guards read the list.
    Entry(
        "gates:revocations",
        get=expect(403, **OFFICE_GUARD),
        post=expect(403, office=302, guard=200),
        data=lambda w, u, which: {"number": w.uni.students[2].student_number, "reason": "证件遗失"},
    ),
    Entry(
        "gates:revocation_lift",
        get=expect(403, office=405),
        post=expect(403, office=302),
        kwargs=_revocation,
        scoped=False,
    ),
    # The guard station: the gates a guard is posted at; everything for the office.
    Entry("gates:station", get=expect(403, **OFFICE_GUARD)),
    Entry("gates:station_bundle", get=expect(403, **OFFICE_GUARD), kwargs=_gate),
    Entry("gates:station_scan", get=expect(403, office=405, guard=405), post=expect(403, office=400, guard=400)),
    Entry("gates:station_sync", get=expect(403, office=405, guard=405), post=expect(403, office=400, guard=400)),
    Entry("gates:station_confirm", get=expect(403, office=405, guard=405), post=expect(403, office=400, guard=400)),
    # The photo of a recent scan: stations that may run the scan's gate.
    Entry("gates:scan_photo", get=expect(403, **OFFICE_GUARD), kwargs=_photo_scan),
    # Personal passes: whoever is a student or a member of staff.
    Entry("gates:my_pass", get=expect(NOBODY, **PEOPLE)),
    Entry("gates:my_pass_json", get=expect(NOBODY, **PEOPLE)),
    # Leave: students apply (an empty form shows its errors), staff decide what their scope holds.
    Entry("gates:leave_list", get=expect(NOBODY, **PEOPLE), post=expect(NOBODY, **PEOPLE)),
    Entry(
        "gates:leave_decide",
        get=expect(405),
        # Outside the decider's turn the decision is refused with a message (302 back to the list).
        post=expect(404, office=302, leader=302, inspector=302, college=302, counselor=302, student=302),
        kwargs=_leave,
        data=lambda w, u, which: {"decision": "approve"},
        anonymous_get=302,
    ),
    Entry(
        "gates:leave_cancel",
        get=expect(405),
        post=expect(404, student=302),
        kwargs=_leave,
        anonymous_get=302,
    ),
    # Visits: hosts and whoever sees the campus; visitors need no account.
    Entry(
        "gates:visit_list",
        get=expect(NOBODY, office=200, leader=200, inspector=200, counselor=200, college=200, guard=200),
        post=expect(NOBODY, office=200, leader=200, inspector=200, counselor=200, college=200, guard=200),
    ),
    Entry(
        "gates:visit_decide",
        get=expect(405),
        post=expect(404, office=302, leader=302, inspector=302, counselor=302, guard=302),
        kwargs=_visit_pk,
        data=lambda w, u, which: {"decision": "approve"},
        anonymous_get=302,
    ),
    Entry("gates:visit_request", get=expect(200), post=expect(200), anonymous_get=200),
    Entry("gates:visitor_pass", get=expect(200), kwargs=_approved_visit_token, scoped=False, anonymous_get=200),
    Entry("gates:visitor_pass_json", get=expect(200), kwargs=_approved_visit_token, scoped=False, anonymous_get=200),
    # Vehicles: the office registers anywhere, a guard on their campus.
    Entry("gates:vehicles", get=expect(403, **OFFICE_GUARD), post=expect(403, **OFFICE_GUARD)),
    Entry(
        "gates:vehicle_withdraw",
        get=expect(403, office=405, guard=405),
        post=expect(403, office=302, guard=302),
        kwargs=_vehicle,
    ),
    # The device API: a device token, never a user's session (401 with the device realm).
    Entry("gates-api-scan", get=expect(401), post=expect(401), anonymous_get=401),
    Entry("gates-api-sync", get=expect(401), post=expect(401), anonymous_get=401),
    Entry("gates-api-policy", get=expect(401), anonymous_get=401),
    Entry("gates-api-revocations", get=expect(401), anonymous_get=401),
    Entry("gates-api-keys", get=expect(401), anonymous_get=401),
    Entry("gates-api-scan-photo", get=expect(401), kwargs=_photo_scan, scoped=False, anonymous_get=401),
]
