"""The largest Python files and functions of the project (migrations and tests left out),
to watch what grows: `python scripts/sizes.py [root] [--top N]`.

Sizes are lines: a file's line count, a function's span from its `def` (decorators
excluded) to its last line, methods named Class.method."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def _functions(tree: ast.AST, prefix: str = ""):
    """(qualified name, lines) of every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{node.name}", node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{prefix}{node.name}.")


def measure(root: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    files, functions = [], []
    for path in sorted(root.rglob("*.py")):
        parts = set(path.parts)
        if "migrations" in parts or "tests" in parts:
            continue
        text = path.read_text(encoding="utf-8")
        files.append((text.count("\n"), str(path)))
        for name, lines in _functions(ast.parse(text)):
            functions.append((lines, f"{path}:{name}"))
    files.sort(key=lambda item: (-item[0], item[1]))
    functions.sort(key=lambda item: (-item[0], item[1]))
    return files, functions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="fangxian")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    files, functions = measure(Path(args.root))
    print("largest files:")
    for lines, name in files[: args.top]:
        print(f"  {lines:5d} {name}")
    print("largest functions:")
    for lines, name in functions[: args.top]:
        print(f"  {lines:5d} {name}")


if __name__ == "__main__":
    main()
