"""Authorization matrix entries for incident reports (see fangxian/testing_authz.py).

"in" is an incident of the 医学院 (the college admin's college), "out" one of the 文学院. The
office, school leaders and discipline inspection see every incident; a college admin those of
their college; the counselor (a grade) and the guard (a gate) neither. Nobody in the matrix
is on duty, so only the office reports, acknowledges and adds reports; every member of staff
reads the incidents in scope."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 200}
# The college's incident: the counselor's grade and the guard's gate hold no part of it.
DETAIL = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 404, "guard": 404}


def _incident_of(world, which):
    from fangxian.incidents.models import Incident

    unit = world.uni.college if which == "in" else world.uni.other_college
    now = timezone.now()
    incident, _ = Incident.objects.get_or_create(
        source=f"authz:{which}",
        defaults={
            "kind": "fire",
            "level": "general",
            "title": "配电箱冒烟",
            "occurred_at": now - timedelta(minutes=30),
            "reported_at": now - timedelta(minutes=20),
            "unit": unit,
            "description": "配电箱冒烟",
        },
    )
    return incident


def _detail(world, user, which):
    return {"pk": _incident_of(world, which).pk}


def _photo(world, user, which):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from fangxian.incidents.models import Photo
    from fangxian.org.photos import new_name
    from fangxian.org.testing import make_image

    incident = _incident_of(world, which)
    photo = incident.photos.first()
    if photo is None:
        photo = Photo.objects.create(incident=incident, image=default_storage.save(new_name("incidents"), ContentFile(make_image())))
    return {"pk": incident.pk, "photo": photo.pk}


def _report(world, user, which):
    unit = world.uni.college if which == "in" else world.uni.other_college
    return {
        "kind": "leak",
        "level": "general",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "description": "水管漏水",
        "unit": unit.pk,
    }


def _api_report(world, user, which):
    data = _report(world, user, which)
    data["occurred_at"] = timezone.now().isoformat()
    return data


def _followup(world, user, which):
    return {"kind": "followup", "text": "情况稳定"}


ENTRIES = [
    Entry("incidents:list", get=expect(403, **READERS)),
    Entry("incidents:report", get=expect(403, office=200), post=expect(403, office=302), data=_report),
    # An empty form re-shows the page with its errors (200) and saves nothing.
    Entry("incidents:limits", get=expect(403, office=200), post=expect(403, office=200)),
    Entry("incidents:detail", get=expect(403, **DETAIL), kwargs=_detail),
    Entry(
        "incidents:acknowledge",
        get=expect(403, office=405),
        post=expect(403, office=302),
        kwargs=_detail,
        anonymous_post=302,
    ),
    # Staff read the incident but, not on duty, add no report (403); outside their scope 404.
    Entry(
        "incidents:update",
        get=expect(403, office=405, college=405, counselor=405, guard=405),
        post=expect(403, office=302, counselor=404, guard=404),
        kwargs=_detail,
        data=_followup,
        anonymous_post=302,
        out_post={"college": 404},
    ),
    Entry("incidents:photo", get=expect(403, **DETAIL), kwargs=_photo),
    Entry("incidents:docx", get=expect(403, **DETAIL), kwargs=_detail),
    # API: the same roles and scope.
    Entry(
        "api-incidents",
        get=expect(403, **READERS),
        post=expect(403, office=201),
        data=_api_report,
        anonymous_get=API_ANON,
        scoped=False,
    ),
    Entry("api-incident", get=expect(403, **DETAIL), kwargs=_detail, anonymous_get=API_ANON),
    Entry(
        "api-incident-acknowledge",
        get=expect(403, **dict.fromkeys(READERS, 405)),
        post=expect(403, office=200),
        kwargs=_detail,
        anonymous_get=API_ANON,
    ),
    Entry(
        "api-incident-reports",
        get=expect(403, **dict.fromkeys(READERS, 405)),
        post=expect(403, office=201, counselor=404, guard=404),
        kwargs=_detail,
        data=_followup,
        anonymous_get=API_ANON,
        out_post={"college": 404},
    ),
    Entry("api-incident-summary", get=expect(403, **READERS), anonymous_get=API_ANON),
    Entry("api-incident-limits", get=expect(403, **READERS), anonymous_get=API_ANON),
]
