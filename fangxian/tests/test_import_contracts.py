"""The import rules of DESIGN (.importlinter, run by `make test`): they hold today, and
lint-imports fails on a module that breaks one of them. The planted modules go into a
copy of the package, never into the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _python_only(directory: str, names: list[str]) -> list[str]:
    """copytree's ignore: keep packages and .py files (no static files, templates, catalogues)."""
    return [
        name
        for name in names
        if name in {"static", "templates", "locale", "__pycache__"} or (not name.endswith(".py") and not Path(directory, name).is_dir())
    ]


@pytest.fixture
def package_copy(tmp_path):
    shutil.copytree(ROOT / "fangxian", tmp_path / "fangxian", ignore=_python_only, symlinks=True)
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def _lint(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", str(where / ".importlinter")],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_hold(package_copy):
    result = _lint(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "imports", "complaint"),
    [
        # fangxian.core imports no other app.
        ("core/planted.py", "from fangxian.org import models", "fangxian.core is not allowed to import fangxian.org"),
        # A core app never imports a feature.
        ("org/planted.py", "from fangxian.ledger import selectors", "fangxian.org is not allowed to import fangxian.ledger"),
        # Audit is below accounts.
        ("audit/planted.py", "from fangxian.accounts import roles", "fangxian.audit is not allowed to import fangxian.accounts"),
        # Features never import each other's internals...
        ("ledger/planted.py", "from fangxian.gates import models", "fangxian.ledger is not allowed to import fangxian.gates"),
        # ...not even through a public module of their own.
        ("reports/planted.py", "from fangxian.gates import selectors", "fangxian.reports is not allowed to import fangxian.gates"),
        # The dashboard reads features through their selectors only.
        ("dashboard/planted.py", "from fangxian.ledger import models", "fangxian.dashboard is not allowed to import fangxian.ledger"),
    ],
)
def test_a_planted_violation_fails(package_copy, module, imports, complaint):
    (package_copy / "fangxian" / module).write_text(f'"""Planted by the test."""\n\n{imports}  # noqa: F401\n')
    result = _lint(package_copy)
    assert result.returncode != 0
    assert complaint in result.stdout, result.stdout + result.stderr
    assert "fangxian." + module.removesuffix(".py").replace("/", ".") in result.stdout
