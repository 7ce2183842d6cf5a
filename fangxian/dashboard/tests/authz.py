"""Authorization matrix entries for the dashboard's pages, exports and API (see
fangxian/testing_authz.py). Readers: the office, leaders, discipline inspection (whole
institution) and the college admin (医学院). "in" is 医学院 or its class; "out" 文学院 or
its class: 404 for the college admin."""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200}


def _college(world, user, which):
    return {"pk": (world.uni.college if which == "in" else world.uni.other_college).pk}


def _class(world, user, which):
    return {"pk": (world.uni.klass if which == "in" else world.uni.other_klass).pk}


ENTRIES = [
    Entry("dashboard:overview", get=expect(403, **READERS)),
    Entry("dashboard:screen", get=expect(403, **READERS)),
    Entry("dashboard:screen_panel", get=expect(403, **READERS)),
    Entry("dashboard:reconcile", get=expect(403, **READERS)),
    Entry("dashboard:export_colleges", get=expect(403, **READERS)),
    Entry("dashboard:college", get=expect(403, **READERS), kwargs=_college),
    Entry("dashboard:export_college", get=expect(403, **READERS), kwargs=_college),
    Entry("dashboard:reconcile_college", get=expect(403, **READERS), kwargs=_college),
    Entry("dashboard:export_reconcile", get=expect(403, **READERS), kwargs=_college),
    Entry("dashboard:klass", get=expect(403, **READERS), kwargs=_class),
    Entry("dashboard:export_class", get=expect(403, **READERS), kwargs=_class),
    # A notice names a student of the reconciliation; an empty POST names nobody (404).
    Entry(
        "dashboard:reconcile_notify",
        get=expect(405),
        post=expect(403, office=404, college=404),
        kwargs=_college,
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry("api-dashboard-summary", get=expect(403, **READERS), anonymous_get=API_ANON),
]
