"""Authorization matrix entries for the shell (see fangxian/testing_authz.py)."""

from fangxian.testing_authz import ROLES, Entry, expect

ENTRIES = [
    Entry("web:home", get=dict.fromkeys(ROLES, 200)),
    Entry("web:config", get=expect(403, sysadmin=200)),
    Entry("healthz", get=dict.fromkeys(ROLES, 200), post=expect(405), anonymous_get=200, anonymous_post=405),
    Entry("set_language", get=expect(302), post=expect(302), data=lambda w, u, which: {"language": "en", "next": "/"}, anonymous_get=302),
]
