"""Naming people in a rotation form or a roster file: a staff number (工号), a name, or
"姓名（工号）" as the export writes them. Names are looked up in the whole institution, so
that someone of another unit is reported as such rather than as unknown."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from fangxian.org.models import Staff, Unit

_SPLIT = re.compile(r"[,，、;；/\n\r\t]+|\s{2,}")
_WITH_NUMBER = re.compile(r"^(?P<name>[^（(]+)[（(](?P<number>[^）)]+)[）)]$")


def split_names(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text or "") if part.strip()]


class People:
    """Resolves many names with two queries."""

    def __init__(self, unit: Unit, tokens: list[str]):
        self.unit = unit
        institution_id = unit.institution_id
        numbers, names = set(), set()
        for token in tokens:
            match = _WITH_NUMBER.match(token)
            if match:
                numbers.add(match["number"].strip())
            else:
                numbers.add(token)
                names.add(token)
        base = Staff.objects.filter(institution_id=institution_id).select_related("unit")
        self.by_number = {s.staff_number: s for s in base.filter(staff_number__in=numbers)}
        self.by_name: dict[str, list[Staff]] = {}
        for staff in base.filter(name__in=names, is_active=True).order_by("staff_number"):
            self.by_name.setdefault(staff.name, []).append(staff)

    def find(self, token: str) -> tuple[Staff | None, str]:
        """(the person, "") or (None, why not)."""
        match = _WITH_NUMBER.match(token)
        if match:
            staff = self.by_number.get(match["number"].strip())
            if staff is None or staff.name != match["name"].strip():
                return None, _("“%(name)s”: no such person (name and staff number do not match).") % {"name": token}
            return staff, ""
        if token in self.by_number:
            return self.by_number[token], ""
        found = self.by_name.get(token, [])
        if not found:
            return None, _("“%(name)s”: no such person.") % {"name": token}
        if len(found) > 1:
            # Prefer the one person of that name inside the unit.
            inside = [s for s in found if s.unit.path.startswith(self.unit.path)]
            if len(inside) == 1:
                return inside[0], ""
            return None, _("“%(name)s”: several people have this name; write the staff number.") % {"name": token}
        return found[0], ""


def resolve(unit: Unit, text: str) -> tuple[list[Staff], list[str]]:
    """The people named in `text` (in order, each once) and the problems."""
    tokens = split_names(text)
    people = People(unit, tokens)
    found, errors = [], []
    for token in tokens:
        staff, problem = people.find(token)
        if staff is None:
            errors.append(problem)
        elif staff not in found:
            found.append(staff)
    return found, errors
