"""Authorization matrix entries for core URLs (see fangxian/testing_authz.py)."""

from fangxian.testing_authz import Entry, expect

ENTRIES = [
    # An import's error file is served only to the session that uploaded it: to anyone
    # else, signed in or not, a token is just "not found".
    Entry("import-errors", get=expect(404), kwargs=lambda world, user, which: {"token": "0" * 32}, scoped=False),
    # Hashed static files of another release (core.static_release): public like all static
    # files; a name not in STATIC_ROOT is 404 to everyone.
    Entry(
        "release-static",
        get=expect(404),
        kwargs=lambda world, user, which: {"path": "fangxian/none.0123456789ab.js"},
        anonymous_get=404,
        scoped=False,
    ),
]
