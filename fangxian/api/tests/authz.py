"""Authorization matrix entries for the API shell (see fangxian/testing_authz.py). Feature
apps declare their own endpoints in their own tests/authz.py."""

from fangxian.testing_authz import ROLES, Entry

API_ANON = (401, 403)
ALL_SIGNED_IN = dict.fromkeys(ROLES, 200)

ENTRIES = [
    Entry("api-me", get=ALL_SIGNED_IN, anonymous_get=API_ANON),
    Entry("api-schema", get=ALL_SIGNED_IN, anonymous_get=API_ANON),
    Entry("api-docs", get=ALL_SIGNED_IN, anonymous_get=API_ANON),
]
