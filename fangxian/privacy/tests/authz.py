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

# Unmasked exports: asked by the business roles (each export says which of them may), decided
# by the security admin, downloaded by the requester only.
REQUESTERS = {"office": 200, "leader": 200, "college": 200, "counselor": 200, "guard": 200, "inspector": 200}


def _grant(world, user, which):
    from fangxian.privacy.models import ExportGrant

    office = world.users["office"]
    grant = ExportGrant.objects.filter(status="pending", requested_by=office).first()
    grant = grant or ExportGrant.objects.create(export="ledger", params={}, reason="verify", requested_by=office)
    return {"pk": grant.pk}


ENTRIES += [
    Entry("privacy:export_grants", get=expect(403, **REQUESTERS, **ADMINS), scoped=False),
    # Without ?export=… there is nothing to ask for: 404 to those who may ask.
    Entry(
        "privacy:export_request",
        get=expect(403, **dict.fromkeys(REQUESTERS, 404)),
        post=expect(403, **dict.fromkeys(REQUESTERS, 404)),
        data=lambda w, u, which: {"reason": "verify"},
        scoped=False,
    ),
    Entry(
        "privacy:export_grant_decide",
        get=expect(405),
        post=expect(403, secadmin=302),
        kwargs=_grant,
        data=lambda w, u, which: {"decision": "reject"},
        anonymous_get=405,
        anonymous_post=302,
        scoped=False,
    ),
    # Another requester's grant is not found; the requester's own is withdrawn (302).
    Entry(
        "privacy:export_grant_withdraw",
        get=expect(405),
        post=expect(403, **{**dict.fromkeys(REQUESTERS, 404), "office": 302}),
        kwargs=_grant,
        anonymous_get=405,
        anonymous_post=302,
        scoped=False,
    ),
    # The requester's pending grant: back to the list with the reason (302); others' 404.
    Entry(
        "privacy:export_grant_download",
        get=expect(403, **{**dict.fromkeys(REQUESTERS, 404), "office": 302}),
        kwargs=_grant,
        scoped=False,
    ),
]
