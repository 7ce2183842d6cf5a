import os
import subprocess
import sys
from pathlib import Path

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["fangxian.testing", "fangxian.org.testing"]


def pytest_sessionstart(session):
    # Tests read the compiled catalogues (.mo, git-ignored); compile them so that a plain
    # `pytest` after editing a .po file does not test yesterday's translations.
    script = Path(__file__).parent / "scripts" / "compile_messages.py"
    subprocess.run([sys.executable, str(script)], check=True, stdout=subprocess.DEVNULL)
