"""Extract the translatable strings of every catalogue and fail when one has no Chinese.

Catalogues: one per Fangxian app (fangxian/<app>/locale) and one for the project's own
templates and settings (fangxian/locale). `--update` keeps the refreshed .po files so that
new strings can be translated; without it the files are left as they were.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fangxian"
LOCALE = "zh_Hans"
# -P: do not put the working directory (an app folder) first on sys.path, where a module
# such as org/selectors.py would shadow the standard library.
DJANGO_ADMIN = [sys.executable, "-P", "-m", "django"]


def catalogue_dirs() -> list[tuple[Path, list[str]]]:
    """(directory to extract in, names to ignore) for each catalogue."""
    apps = sorted(p.parent for p in PACKAGE.glob("*/apps.py"))
    ignore_apps = [app.name for app in apps]
    return [(PACKAGE, [*ignore_apps, "static"]), *[(app, ["tests", "static"]) for app in apps]]


def extract(directory: Path, ignore: list[str]) -> Path:
    (directory / "locale").mkdir(exist_ok=True)
    args = [*DJANGO_ADMIN, "makemessages", "-l", LOCALE, "--no-obsolete", "--add-location", "file", "-v", "0"]
    for name in ignore:
        args += ["--ignore", f"{name}/*"]
    # makemessages runs inside the app's folder; the project must stay importable from there.
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fangxian.settings_test", "PYTHONPATH": pythonpath}
    subprocess.run(args, cwd=directory, check=True, env=env)
    return directory / "locale" / LOCALE / "LC_MESSAGES" / "django.po"


# One word for each thing (/work/shared/GLOSSARY.md): a catalogue that translates one of
# these msgids (without a context) otherwise fails the check.
GLOSSARY = {
    "Approve": "批准",
    "Approved": "已批准",
    "Building manager": "楼长",
    "Coverage gaps": "覆盖缺口",
    "Not reported": "未报",
    "Locked": "已锁定",
    "Late": "迟报",
    "Campus": "校区",
    "Student number": "学号",
    "Staff number": "工号",
    "ID number": "身份证号",
}


def consistency_problems(catalogues: dict[str, polib.POFile]) -> list[str]:
    """Django answers a msgid with the first catalogue that has it, so one msgid (in one
    context) translated two ways shows another app's word on a page: refuse that, and any
    departure from the glossary. Where one English word means two things, give it a
    context (pgettext) instead."""
    seen: dict[tuple[str, str], dict[str, list[str]]] = {}
    problems = []
    for name, catalogue in catalogues.items():
        for entry in catalogue:
            if entry.obsolete or not entry.msgstr:
                continue
            seen.setdefault((entry.msgctxt or "", entry.msgid), {}).setdefault(entry.msgstr, []).append(name)
            wanted = GLOSSARY.get(entry.msgid)
            if wanted and not entry.msgctxt and entry.msgstr != wanted:
                problems.append(f"{name}: {entry.msgid!r} is {entry.msgstr!r}; the glossary says {wanted!r}")
    for (context, msgid), translations in sorted(seen.items()):
        if len(translations) > 1:
            where = "; ".join(f"{text!r} in {', '.join(sorted(apps))}" for text, apps in sorted(translations.items()))
            label = f"{context}|{msgid}" if context else msgid
            problems.append(f"{label!r} is translated differently: {where}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--update", action="store_true", help="keep the refreshed .po files")
    options = parser.parse_args()
    problems: list[str] = []
    catalogues: dict[str, polib.POFile] = {}
    for directory, ignore in catalogue_dirs():
        po_path = directory / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
        had_locale = (directory / "locale").exists()
        before = po_path.read_bytes() if po_path.exists() else None
        extract(directory, ignore)
        if not po_path.exists():
            if not had_locale:
                shutil.rmtree(directory / "locale", ignore_errors=True)
            continue  # nothing to translate here
        catalogue = polib.pofile(str(po_path))
        catalogues[str(directory.relative_to(ROOT))] = catalogue
        for entry in catalogue:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags or not entry.translated():
                where = entry.occurrences[0][0] if entry.occurrences else "?"
                problems.append(f"{po_path.relative_to(ROOT)}: {where}: {entry.msgid!r}")
        if options.update:
            if before is not None:
                # Keep the old creation date so that an unchanged catalogue stays unchanged.
                old = polib.pofile(before.decode())
                catalogue.metadata["POT-Creation-Date"] = old.metadata.get("POT-Creation-Date", "")
            catalogue.metadata["Language"] = "zh_Hans"
            catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
            catalogue.save()
        elif before is None:
            po_path.unlink()
            if not had_locale:
                shutil.rmtree(directory / "locale", ignore_errors=True)
        else:
            po_path.write_bytes(before)
    inconsistent = consistency_problems(catalogues)
    if inconsistent:
        print(f"{len(inconsistent)} msgid(s) translated inconsistently across the catalogues:", file=sys.stderr)
        for line in inconsistent:
            print("  " + line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} user-facing string(s) have no Chinese translation:", file=sys.stderr)
        for line in problems:
            print("  " + line, file=sys.stderr)
        print("Run `make messages`, translate the empty entries, and run it again.", file=sys.stderr)
    if problems or inconsistent:
        return 1
    print("translations: every user-facing string has one Chinese translation, the glossary's where it has one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
