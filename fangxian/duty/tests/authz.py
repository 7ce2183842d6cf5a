"""Authorization matrix entries for the duty app's pages and API (see fangxian/testing_authz.py).

"in" objects belong to 医学院 (the college admin's college); "out" objects to 文学院. Duty
rows of the mini university are made once per world by `_duty`.
"""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

READ = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 200}
UNIT_READ = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 404, "guard": 404}
WRITE = {"office": 200, "college": 200}


def _duty(world):
    """The duty rosters of both colleges (made once per world)."""
    if hasattr(world, "duty"):
        return world.duty
    from fangxian.duty import services

    uni = world.uni
    world.duty = {
        "in": services.roster_save(unit=uni.college, by=None),
        "out": services.roster_save(unit=uni.other_college, by=None),
    }
    return world.duty


def _roster(world, user, which):
    return {"pk": _duty(world)[which].pk}


def _unit(world, user, which):
    return {"unit_id": (world.uni.college if which == "in" else world.uni.other_college).pk}


ENTRIES = [
    Entry("duty:list", get=expect(403, **READ)),
    Entry("duty:roster", get=expect(403, **UNIT_READ), kwargs=_roster),
    Entry("duty:roster_settings", get=expect(403, **WRITE), post=expect(403, **WRITE), kwargs=_unit),
]
