"""Authorization matrix entries for notifications (see fangxian/testing_authz.py): every
signed-in user has their own list; nothing here is scoped by the organisation."""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)

ENTRIES = [
    Entry("notify:list", get=expect(200)),
    Entry("notify:mark_read", get=expect(405), post=expect(302), anonymous_get=302, anonymous_post=302),
    Entry("api-notifications", get=expect(200), anonymous_get=API_ANON),
    Entry("api-notifications-unread", get=expect(200), anonymous_get=API_ANON),
    Entry("api-notifications-read", get=expect(405), post=expect(200), anonymous_get=API_ANON),
]
