"""Extract the translatable strings of every catalogue and fail when one has no Chinese.

Catalogues: one per Fangxian app (fangxian/<app>/locale) and one for the project's own
templates and settings (fangxian/locale). `--update` keeps the refreshed .po files so that
new strings can be translated; without it the files are left as they were.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fangxian"
LOCALE = "zh_Hans"
DJANGO_ADMIN = [sys.executable, "-m", "django"]


def catalogue_paths() -> list[Path]:
    """One catalogue per Fangxian app, and fangxian/locale for the project's own templates."""
    apps = sorted(p.parent for p in PACKAGE.glob("*/apps.py"))
    return [PACKAGE / "locale", *[app / "locale" for app in apps]]


def extract() -> None:
    """One makemessages run from the repository root: Django writes each file's strings to
    the nearest `locale` folder above it, i.e. to its app's catalogue. (It must not run
    inside an app folder: modules such as selectors.py would shadow the standard library.)"""
    for locale in catalogue_paths():
        locale.mkdir(exist_ok=True)
    args = [*DJANGO_ADMIN, "makemessages", "-l", LOCALE, "--no-obsolete", "--add-location", "file", "-v", "0"]
    for pattern in ("*/tests/*", "node_modules/*", ".venv/*", "var/*", "bench/*", "scripts/*", "fangxian/static/*", "test-artifacts/*"):
        args += ["--ignore", pattern]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fangxian.settings_test", "PYTHONPATH": str(ROOT)}
    subprocess.run(args, cwd=ROOT, check=True, env=env)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--update", action="store_true", help="keep the refreshed .po files")
    options = parser.parse_args()
    problems: list[str] = []
    po_paths = [locale / LOCALE / "LC_MESSAGES" / "django.po" for locale in catalogue_paths()]
    before = {path: path.read_bytes() for path in po_paths if path.exists()}
    extract()
    for po_path in po_paths:
        if not po_path.exists():
            continue  # nothing to translate in this app
        catalogue = polib.pofile(str(po_path))
        for entry in catalogue:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags or not entry.translated():
                where = entry.occurrences[0][0] if entry.occurrences else "?"
                problems.append(f"{po_path.relative_to(ROOT)}: {where}: {entry.msgid!r}")
        if options.update:
            if po_path in before:
                # Keep the old creation date so that an unchanged catalogue stays unchanged.
                old = polib.pofile(before[po_path].decode())
                catalogue.metadata["POT-Creation-Date"] = old.metadata.get("POT-Creation-Date", "")
            catalogue.metadata["Language"] = "zh_Hans"
            catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
            catalogue.save()
        elif po_path in before:
            po_path.write_bytes(before[po_path])
        else:
            po_path.unlink()
    if problems:
        print(f"{len(problems)} user-facing string(s) have no Chinese translation:", file=sys.stderr)
        for line in problems:
            print("  " + line, file=sys.stderr)
        print("Run `make messages`, translate the empty entries, and run it again.", file=sys.stderr)
        return 1
    print("translations: every user-facing string has a Chinese translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
