import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangxian.settings")
application = get_wsgi_application()

# A node whose SECRET_KEY differs from the installation's must not serve (core.keys).
from fangxian.core.keys import verify_at_startup  # noqa: E402

verify_at_startup()

# Nor one whose FANGXIAN_SEAL_KEYS is malformed (core.sealed): it could not read a phone number.
from fangxian.core.sealed import keyring  # noqa: E402

keyring()
