"""Copy the front-end packages installed by `npm ci` into fangxian/static/vendor/.

The vendor folder is git-ignored: no third-party code is committed, and nothing is
loaded from a CDN at run time.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "fangxian" / "static" / "vendor"

# (source under node_modules, destination under vendor)
COPIES = [
    ("bootstrap/dist/css", "bootstrap/css"),
    ("bootstrap/dist/js", "bootstrap/js"),
    ("bootstrap-icons/font", "bootstrap-icons/font"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
    ("jsqr/dist/jsQR.js", "jsqr/jsQR.js"),
    ("bootstrap/LICENSE", "bootstrap/LICENSE"),
    ("bootstrap-icons/LICENSE", "bootstrap-icons/LICENSE"),
    ("echarts/LICENSE", "echarts/LICENSE"),
    ("jsqr/LICENSE", "jsqr/LICENSE"),
]


def main() -> int:
    if not NODE.exists():
        print("node_modules is missing: run `npm ci` first (make does this).", file=sys.stderr)
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for source, destination in COPIES:
        src, dst = NODE / source, VENDOR / destination
        if not src.exists():
            print(f"missing front-end file: {src}", file=sys.stderr)
            return 1
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    (VENDOR / ".stamp").write_text("ok\n")
    print(f"front-end files copied to {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
