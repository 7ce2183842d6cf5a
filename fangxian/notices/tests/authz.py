"""Authorization matrix entries for policy publicity (see fangxian/testing_authz.py).

"in" is a policy the office published to 医学院 (the counselor's, the college admin's and the
student's college), with a PDF attachment; "out" the same published to 文学院. The guard is
staff (so passes the staff pages' role check) but receives neither: 404. The public entries
use a third, public notice to the whole school.
"""

from __future__ import annotations

from fangxian.testing_authz import ROLES, Entry, expect

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
API_ANON = (401, 403)
# The notice pages: readers by role; the guard (staff) finds neither notice.
READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 404}
# Writing pages let the office and staff in; staff who are not the publicity department get 403.
PUBLISHER_GATE = {"office": 405, "college": 405, "counselor": 405, "guard": 405}
EVERYONE = dict.fromkeys(ROLES, 200)


def _notice(world, which, public=False):
    from fangxian.accounts.models import User
    from fangxian.notices import services
    from fangxian.notices.models import AudienceKind

    key = f"_notices_{'public' if public else which}"
    if not hasattr(world, key):
        office = User.objects.get(username="office1")
        if public:
            audience = [services.AudienceSpec(AudienceKind.INSTITUTION)]
        else:
            unit = world.uni.college if which == "in" else world.uni.other_college
            audience = [services.AudienceSpec(AudienceKind.UNIT, unit=unit)]
        draft = services.Draft(
            kind="policy",
            title="关于做好暑期疫情防控工作的通知",
            issuer="河西学院防控办",
            number="河西学院防控办〔2022〕5号",
            source_level="school",
            tags="",
            body="请严格落实四方责任。",
            is_public=public,
        )
        notice = services.notice_create(by=office, draft=draft, audience=audience, files=[("通知.pdf", PDF)])
        setattr(world, key, services.publish(notice=notice, by=office))
    return getattr(world, key)


def _pk(world, user, which):
    return {"pk": _notice(world, which).pk}


def _attachment(world, user, which):
    return {"pk": _notice(world, which).attachments.get().pk}


def _public(world, user, which):
    return {"pk": _notice(world, which, public=True).pk}


def _public_attachment(world, user, which):
    return {"pk": _notice(world, which, public=True).attachments.get().pk}


ENTRIES = [
    Entry("notices:list", get=expect(403, **{**READERS, "guard": 200})),
    Entry("notices:new", get=expect(403, office=200), post=expect(403, office=200)),
    Entry("notices:mine", get=EVERYONE),
    Entry("notices:detail", get=expect(403, **READERS), kwargs=_pk),
    Entry("notices:edit", get=expect(403, office=200), post=expect(403, office=200), kwargs=_pk),
    # Already published: publishing again is refused with a message (302 back to the page).
    Entry("notices:publish", get=expect(403, **PUBLISHER_GATE), post=expect(403, office=302), kwargs=_pk),
    Entry("notices:withdraw", get=expect(403, **PUBLISHER_GATE), post=expect(403, office=302), kwargs=_pk),
    Entry("notices:delete", get=expect(403, **PUBLISHER_GATE), post=expect(403, office=302), kwargs=_pk),
    Entry("notices:diff", get=expect(403, **READERS), kwargs=_pk),
    Entry("notices:unread", get=expect(403, **READERS), kwargs=_pk),
    Entry(
        "notices:renotify",
        get=expect(403, **PUBLISHER_GATE),
        post=expect(403, office=302, college=302, counselor=302),
        kwargs=_pk,
    ),
    # The reader's page: recipients and those who see the notice; POST confirms one's own receipt.
    Entry(
        "notices:read",
        get=expect(404, office=200, leader=200, inspector=200, college=200, counselor=200, student=200),
        post=expect(404, office=403, leader=403, inspector=403, college=302, counselor=302, student=302),
        kwargs=_pk,
    ),
    Entry(
        "notices:attachment",
        get=expect(404, office=200, leader=200, inspector=200, college=200, counselor=200, student=200),
        kwargs=_attachment,
    ),
    Entry("notices:public_list", get=EVERYONE, anonymous_get=200),
    Entry("notices:public_detail", get=EVERYONE, anonymous_get=200, kwargs=_public, scoped=False),
    Entry("notices:public_attachment", get=EVERYONE, anonymous_get=200, kwargs=_public_attachment, scoped=False),
    # API
    Entry(
        "api-notices",
        get=expect(403, **{**READERS, "guard": 200}),
        post=expect(403, office=400),
        anonymous_get=API_ANON,
    ),
    Entry("api-notices-mine", get=EVERYONE, anonymous_get=API_ANON),
    Entry("api-notice", get=expect(403, **READERS), kwargs=_pk, anonymous_get=API_ANON),
    Entry(
        "api-notice-publish",
        get=expect(403, office=405, leader=405, inspector=405, college=405, counselor=405, guard=405),
        post=expect(403, office=400),
        kwargs=_pk,
        anonymous_get=API_ANON,
    ),
    Entry(
        "api-notice-withdraw",
        get=expect(403, office=405, leader=405, inspector=405, college=405, counselor=405, guard=405),
        post=expect(403, office=200),
        kwargs=_pk,
        anonymous_get=API_ANON,
    ),
    Entry("api-notice-receipts", get=expect(403, **READERS), kwargs=_pk, anonymous_get=API_ANON),
    Entry("api-notice-unread", get=expect(403, **READERS), kwargs=_pk, anonymous_get=API_ANON),
    Entry(
        "api-notice-renotify",
        get=expect(403, office=405, leader=405, inspector=405, college=405, counselor=405, guard=405),
        post=expect(403, office=200, college=200, counselor=200),
        kwargs=_pk,
        anonymous_get=API_ANON,
    ),
    Entry(
        "api-notice-acknowledge",
        get=expect(405),
        post=expect(404, college=200, counselor=200, student=200),
        kwargs=_pk,
        anonymous_get=API_ANON,
    ),
]
