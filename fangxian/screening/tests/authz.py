"""Authorization matrix entries for the screening pages and API (see fangxian/testing_authz.py).

"in" objects hold a student of the counselor's grade (students[0], the student login);
"out" objects only a student of the other college."""

from __future__ import annotations

from datetime import timedelta

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200}
OFFICE_READ = {"office": 200, "leader": 200, "inspector": 200}


def _screening(world):
    """Two rounds of the mini university, each with one sampled student in a tube."""
    if hasattr(world, "screening"):
        return world.screening
    from django.utils import timezone

    from fangxian.org.models import Place
    from fangxian.org.testing import PlaceFactory
    from fangxian.screening.models import Member, Round, Sample, Slot, Tube

    uni = world.uni
    now = timezone.now()
    site = PlaceFactory(kind=Place.Kind.BUILDING, name="体育馆", parent=uni.campus, institution=uni.institution)
    data = {}
    for which, student in (("in", uni.students[0]), ("out", uni.other_students[0])):
        round = Round.objects.create(
            institution=uni.institution,
            name=f"核酸检测 {which}",
            day=timezone.localdate(),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
        )
        slot = Slot.objects.create(round=round, place=site, starts_at=round.starts_at, ends_at=round.ends_at)
        member = Member.objects.create(
            round=round,
            student=student,
            unit_id=student.klass.path.strip("/").split("/")[1],
            klass=student.klass,
            slot=slot,
            sampled_at=now,
        )
        tube = Tube.objects.create(round=round, number=f"HG-{which}", capacity=10, place=site, size=1)
        Sample.objects.create(round=round, member=member, tube=tube, place=site, sampled_at=now)
        data[which] = {"round": round, "tube": tube, "student": student}
    world.screening = data
    return data


def _round(world, user, which):
    return {"pk": _screening(world)[which]["round"].pk}


def _tube(world, user, which):
    return {"pk": _screening(world)[which]["tube"].pk}


def _person(world, user, which):
    return {"kind": "student", "pk": _screening(world)[which]["student"].pk}


def _setup(world, user, which):
    _screening(world)
    return {}


ENTRIES = [
    Entry("screening:list", get=expect(403, **READERS)),
    # An empty form: shown again with its errors.
    Entry("screening:new", get=expect(403, office=200), post=expect(403, office=200), kwargs=_setup, scoped=False),
    Entry("screening:round", get=expect(403, **READERS), kwargs=_round),
    # The round does not repeat: back to the round with a message.
    Entry("screening:next", get=expect(403, office=405), post=expect(403, office=302), kwargs=_round),
    Entry("screening:coverage", get=expect(403, **READERS), kwargs=_round),
    # No lab's columns yet: the mapping form, for GET and POST alike.
    Entry("screening:import", get=expect(403, office=200), post=expect(403, office=200), kwargs=_round),
    Entry("screening:lab_mapping", get=expect(403, office=405), post=expect(403, office=400), kwargs=_round),
    Entry("screening:report_xlsx", get=expect(403, **OFFICE_READ), kwargs=_round),
    Entry("screening:report_docx", get=expect(403, **OFFICE_READ), kwargs=_round),
    Entry("screening:tube", get=expect(403, **READERS), kwargs=_tube),
    Entry("screening:person", get=expect(403, **READERS), kwargs=_person),
    # Staff (counselors, guards …) may be posted as samplers; nobody of the cast is: the page
    # says so, and a POST finds no round.
    Entry(
        "screening:sample",
        get=expect(403, office=200, counselor=200, college=200, guard=200),
        post=expect(403, office=404, counselor=404, college=404, guard=404),
        kwargs=_setup,
        scoped=False,
    ),
    Entry("screening:mine", get=expect(403, student=200, counselor=200, college=200, guard=200)),
    # API
    Entry("screening-round-list", get=expect(403, **READERS), anonymous_get=API_ANON),
    Entry("screening-round-detail", get=expect(403, **READERS), kwargs=_round, anonymous_get=API_ANON),
    Entry("screening-round-coverage", get=expect(403, **READERS), kwargs=_round, anonymous_get=API_ANON),
    Entry("screening-round-flagged", get=expect(403, **READERS), kwargs=_round, anonymous_get=API_ANON),
    Entry("screening-tube-list", get=expect(403, **READERS), anonymous_get=API_ANON),
    Entry("screening-tube-detail", get=expect(403, **READERS), kwargs=_tube, anonymous_get=API_ANON),
    Entry("screening-mine", get=expect(403, student=200, counselor=200, college=200, guard=200), anonymous_get=API_ANON),
    # Sampling only by POST, for samplers (an empty body is refused with 400 once past the roles).
    Entry(
        "screening-sample",
        get=expect(403),
        post=expect(403, office=400, counselor=400, college=400, guard=400),
        kwargs=_setup,
        scoped=False,
        anonymous_get=API_ANON,
    ),
]
