"""Authorization matrix entries for the privacy pages (see fangxian/testing_authz.py)."""

from fangxian.testing_authz import Entry, expect

ADMINS = {"secadmin": 200, "auditor": 200}

ENTRIES = [
    Entry("privacy:inventory", get=expect(403, **ADMINS), scoped=False),
    Entry("privacy:inventory_export", get=expect(403, **ADMINS), scoped=False),
]

OWN = {"office": 200, "leader": 200, "college": 200, "counselor": 200, "guard": 200, "student": 200}


def _end(world, user, which):
    from fangxian.privacy.models import EmergencyEnd

    office = world.users["office"]
    end = EmergencyEnd.objects.filter(status="pending").first() or EmergencyEnd.objects.create(ends_on="2026-12-01", requested_by=office)
    return {"pk": end.pk}


ENTRIES += [
    Entry("privacy:access_log", get=expect(403, **ADMINS), scoped=False),
    Entry("privacy:access_log_export", get=expect(403, secadmin=404, auditor=404), scoped=False),
    Entry("privacy:emergency", get=expect(403, office=200, leader=200, **ADMINS), scoped=False),
    Entry(
        "privacy:emergency_request",
        get=expect(405),
        post=expect(403, office=302),
        data=lambda w, u, which: {"ends_on": "2026-12-01", "note": "测试"},
        anonymous_get=405,
        anonymous_post=302,
        scoped=False,
    ),
    Entry(
        "privacy:emergency_decide",
        get=expect(405),
        post=expect(403, secadmin=302),
        kwargs=_end,
        data=lambda w, u, which: {"decision": "reject"},
        anonymous_get=405,
        anonymous_post=302,
        scoped=False,
    ),
    Entry(
        "privacy:emergency_withdraw",
        get=expect(405),
        post=expect(403, office=302),
        kwargs=_end,
        anonymous_get=405,
        anonymous_post=302,
        scoped=False,
    ),
    # A certificate exists only once the data is purged: 404 before.
    Entry(
        "privacy:emergency_certificate",
        get=expect(403, office=404, leader=404, **{"secadmin": 404, "auditor": 404}),
        kwargs=_end,
        scoped=False,
    ),
    Entry("privacy:purge_now", get=expect(405), post=expect(403, secadmin=302), anonymous_get=405, anonymous_post=302, scoped=False),
    Entry("privacy:my_data", get=expect(403, **OWN), scoped=False),
    # The download needs a person record: the cast's office, leader have none (404).
    Entry(
        "privacy:my_data_download",
        get=expect(403, office=404, leader=404, college=200, counselor=200, guard=200, student=200),
        scoped=False,
    ),
]
