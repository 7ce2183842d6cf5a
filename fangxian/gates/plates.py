"""Chinese licence plates (机动车号牌): normalising what a guard types and checking its shape."""

from __future__ import annotations

import re

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary plates: province, letter, five characters; new-energy plates have six.
_PLATE = re.compile(rf"^[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警]$")


def normalize_plate(text: str) -> str:
    return re.sub(r"[\s·.\-]", "", text or "").upper()


def plate_problem(plate: str) -> bool:
    return not _PLATE.match(plate)


def looks_like_plate(text: str) -> bool:
    plate = normalize_plate(text)
    return bool(plate) and plate[0] in PROVINCES
