"""Authorization matrix entries for the test plugin's pages (see fangxian/testing_authz.py).

The plugin's lab pages read the organisation's scope. The mini university has no lab, so
the entries make one inside the guard's campus ("in") and one on another campus ("out"):
only the roles that see the whole institution find either; a staff member holding no role
on them (counselor, college admin, guard) is told 404, never 403.
"""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 200}


def _lab(world, which):
    from fangxian.org.models import Place
    from fangxian.org.testing import PlaceFactory

    uni = world.uni
    name = "插件实验楼" if which == "in" else "插件外校区实验楼"
    building = Place.objects.filter(name=name).first()
    if building is None:
        campus = uni.campus if which == "in" else PlaceFactory(kind="campus", name="插件校区", institution=uni.institution)
        building = PlaceFactory(kind="building", name=name, parent=campus, institution=uni.institution, use="teaching")
        PlaceFactory(kind="room", name="101 实验室", parent=building, institution=uni.institution, use="lab")
    return building.children.get()


def _lab_kwargs(world, user, which):
    return {"pk": _lab(world, which).pk}


ENTRIES = [
    Entry("plugin_app:lab_list", get=expect(403, **READERS)),
    Entry(
        "plugin_app:lab_detail",
        get=expect(403, office=200, leader=200, inspector=200, college=404, counselor=404, guard=404),
        kwargs=_lab_kwargs,
    ),
]
