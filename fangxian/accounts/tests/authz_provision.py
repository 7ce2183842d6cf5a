"""Authorization matrix entries for accounts from people (views_provision). A batch and its
slips belong to the security admin who made it; the matrix's security admin makes it."""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

SECADMIN_ONLY = expect(403, secadmin=200)
SECADMIN_POST = expect(403, secadmin=302)


def _batch(world, user, which):
    from fangxian.accounts.models import ProvisionBatch

    batch = ProvisionBatch(created_by=world.users["secadmin"], selection="matrix", created_count=1)
    batch.store_slips([["测试", "医学院", "M0001", "abcd-efgh-jkmn-pq23"]])
    batch.save()
    return {"pk": batch.pk}


def _subject(world, user, which):
    return {"pk": world.uni.counselor_user.pk}


ENTRIES = [
    Entry("accounts:provision", get=SECADMIN_ONLY, post=SECADMIN_ONLY),
    Entry("accounts:provision_batch", get=SECADMIN_ONLY, kwargs=_batch, scoped=False),
    Entry("accounts:provision_slips_xlsx", get=SECADMIN_ONLY, kwargs=_batch, scoped=False),
    Entry("accounts:provision_slips_print", get=SECADMIN_ONLY, kwargs=_batch, scoped=False),
    Entry(
        "accounts:provision_slips_wipe",
        get=expect(405),
        post=SECADMIN_POST,
        kwargs=_batch,
        scoped=False,
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "accounts:admin_user_create",
        get=expect(405),
        post=SECADMIN_POST,
        data=lambda w, u, which: {"number": w.uni.students[1].student_number},
        anonymous_get=405,
        anonymous_post=302,
        scoped=False,
    ),
    Entry(
        "accounts:admin_user_edit",
        get=SECADMIN_ONLY,
        post=SECADMIN_POST,
        kwargs=_subject,
        data=lambda w, u, which: {"full_name": "刘洋"},
        scoped=False,
    ),
    # CAS is off in the test settings: its sign-in view does not exist for anyone.
    Entry("accounts:cas_login", get=expect(404), anonymous_get=404, scoped=False),
    Entry("accounts:sso_settings", get=SECADMIN_ONLY, post=SECADMIN_POST, scoped=False),
    # Only accounts of a person can bind; the others are sent back to their security page.
    Entry("accounts:messaging", get=expect(302, college=200, counselor=200, guard=200, student=200), post=expect(302), scoped=False),
    Entry("accounts:password_reset", get=expect(200), post=expect(200), anonymous_get=200, anonymous_post=200, scoped=False),
    # An invalid token: the page says the link is no longer valid (Django answers 200).
    Entry(
        "accounts:password_reset_confirm",
        get=expect(200),
        kwargs=lambda w, u, which: {"uidb64": "MQ", "token": "invalid-token"},
        anonymous_get=200,
        scoped=False,
    ),
    # The college admin resets the counselor of their college; others get 403, and people
    # outside a college admin's scope do not exist for them.
    Entry(
        "accounts:unit_reset",
        get=expect(403, college=200),
        post=expect(403, college=200),
        kwargs=lambda w, u, which: {"pk": (w.uni.counselor_user if which == "in" else w.uni.other_counselor_user).pk},
    ),
]
