"""Authorization matrix entries for hazard inspections (see fangxian/testing_authz.py).

The world: two campaigns on 校本部. "in" covers the dormitory 1号公寓 and a lab whose person
responsible is the college admin of 医学院 (so the college admin sees them through their
unit); "out" covers another building and lab answered for by staff of 文学院. In each, the
dormitory has a submitted inspection with one hazard (a photo on the failed item and a
rectification photo), the lab no inspection yet. Counselors and guards see neither: 404.
Keepers (the office) write; school leaders and discipline inspection read.
"""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
READ = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 200}
SCOPED = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 404, "guard": 404}
WHOLE = {"office": 200, "leader": 200, "inspector": 200, "college": 404, "counselor": 404, "guard": 404}
POST_ONLY = dict.fromkeys(
    ("office", "leader", "inspector", "college", "counselor", "guard", "student", "sysadmin", "secadmin", "auditor"), 405
)


def _setup(world):
    if hasattr(world, "_hazards"):
        return world._hazards
    from datetime import timedelta

    from django.utils import timezone

    from fangxian.hazards import services
    from fangxian.hazards.models import Checklist, Finding
    from fangxian.org.testing import PlaceFactory, StaffFactory, make_image

    uni = world.uni
    inst = uni.institution
    services.load_default_checklists(user=None)
    versions = {c.code: c.current for c in Checklist.objects.all()}
    out_owner = StaffFactory(unit=uni.other_college, name="文学院 实验员")
    inspector = StaffFactory(unit=uni.security_office, name="检查员 张安")
    data = {}
    for which, owner, name in (("in", uni.college_admin, "医学实验楼"), ("out", out_owner, "文学楼")):
        building = PlaceFactory(kind="building", name=name, parent=uni.campus, institution=inst, use="teaching")
        lab = PlaceFactory(kind="room", name=f"{name}101实验室", parent=building, institution=inst, use="lab")
        dorm = (
            uni.building
            if which == "in"
            else PlaceFactory(kind="building", name="2号公寓", parent=uni.campus, institution=inst, use="dorm")
        )
        today = timezone.localdate()
        campaign = services.create_campaign(
            user=None,
            name=f"专项检查-{which}",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=5),
            lab_version=versions["lab"],
            dorm_version=versions["dorm"],
            buildings=[building, dorm],
        )
        campaign.places.update(owner=owner, unit=owner.unit.parent if owner.unit.kind != "college" else owner.unit, inspector=inspector)
        done = campaign.places.get(place=dorm)
        rows = [{"item": i.pk, "result": "fail" if i.position == 1 else "pass", "level": "general"} for i in done.version.items.all()]
        services.save_answers(user=world.users["office"], campaign_place=done, answers=rows)
        photo = services.add_answer_photo(
            user=world.users["office"], campaign_place=done, item_id=rows[0]["item"], data=make_image(), token="m"
        )
        services.submit_inspection(user=world.users["office"], campaign_place=done)
        finding = Finding.objects.get(inspection__campaign_place=done)
        event = services.report_rectification(user=world.users["office"], finding=finding, text="已整改", photos=[make_image()])
        data[which] = {
            "campaign": campaign,
            "draft": campaign.places.get(place=lab),
            "finding": finding,
            "photo": photo,
            "event_photo": event.photos.get(),
            "place": dorm,
        }
    world._hazards = data
    return data


def _get(name):
    def kwargs(world, user, which):
        value = _setup(world)[which][name]
        return {"pk": value.pk}

    return kwargs


def _checklist(world, user, which):
    from fangxian.hazards.models import Checklist

    _setup(world)
    return {"pk": Checklist.objects.get(code="lab").pk}


def _inspector_data(world, user, which):
    return {"place": _setup(world)[which]["draft"].pk}


def _api_inspector(world, user, which):
    return {"pk": _setup(world)[which]["draft"].pk, "staff_id": world.uni.guard.pk}


ENTRIES = [
    Entry("hazards:campaigns", get=expect(403, **READ)),
    Entry("hazards:campaign_new", get=expect(403, office=200), out_post={"college": 404}, post=expect(403, office=200)),
    Entry("hazards:campaign", get=expect(403, **SCOPED), kwargs=_get("campaign")),
    Entry(
        "hazards:campaign_close",
        get=expect(405),
        post=expect(403, office=302, counselor=404, guard=404),
        out_post={"college": 404},
        kwargs=_get("campaign"),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry("hazards:campaign_xlsx", get=expect(403, **SCOPED), kwargs=_get("campaign")),
    Entry("hazards:campaign_docx", get=expect(403, **SCOPED), kwargs=_get("campaign")),
    Entry(
        "hazards:set_inspector",
        get=expect(405),
        post=expect(403, office=302, counselor=404, guard=404),
        out_post={"college": 404},
        kwargs=_get("campaign"),
        data=_inspector_data,
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "hazards:inspect",
        get=expect(403, **SCOPED),
        post=expect(403, office=302, counselor=404, guard=404),
        out_post={"college": 404},
        kwargs=_get("draft"),
    ),
    Entry(
        "hazards:inspect_save",
        get=expect(405),
        out_post={"college": 404},
        post=expect(403, office=400, counselor=404, guard=404),
        kwargs=_get("draft"),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "hazards:inspect_photo",
        get=expect(405),
        out_post={"college": 404},
        post=expect(403, office=400, counselor=404, guard=404),
        kwargs=_get("draft"),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry("hazards:answer_photo", get=expect(403, **SCOPED), kwargs=_get("photo")),
    Entry("hazards:event_photo", get=expect(403, **SCOPED), kwargs=_get("event_photo")),
    Entry("hazards:findings", get=expect(403, **READ)),
    Entry("hazards:finding", get=expect(403, **SCOPED), kwargs=_get("finding")),
    Entry(
        "hazards:finding_report",
        get=expect(405),
        out_post={"college": 404},
        post=expect(403, office=302, college=302, counselor=404, guard=404),
        kwargs=_get("finding"),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "hazards:finding_verify",
        get=expect(405),
        out_post={"college": 404},
        post=expect(403, office=302, counselor=404, guard=404),
        kwargs=_get("finding"),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "hazards:finding_change",
        get=expect(405),
        out_post={"college": 404},
        post=expect(403, office=302, counselor=404, guard=404),
        kwargs=_get("finding"),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry("hazards:finding_notice", get=expect(403, **SCOPED), kwargs=_get("finding")),
    Entry("hazards:place", get=expect(403, **WHOLE), kwargs=_get("place")),
    Entry("hazards:stale_labs", get=expect(403, **READ)),
    Entry("hazards:checklists", get=expect(403, **READ)),
    Entry("hazards:checklist_new", get=expect(403, office=200), out_post={"college": 404}, post=expect(403, office=200)),
    Entry(
        "hazards:checklists_defaults",
        get=expect(405),
        out_post={"college": 404},
        post=expect(403, office=302),
        anonymous_get=405,
        anonymous_post=302,
    ),
    Entry(
        "hazards:checklist",
        get=expect(403, **READ),
        out_post={"college": 404},
        post=expect(403, office=200),
        kwargs=_checklist,
        scoped=False,
    ),
    # API
    Entry("hazards-checklist-list", get=expect(403, **READ), anonymous_get=API_ANON),
    Entry("hazards-checklist-detail", get=expect(403, **READ), kwargs=_checklist, scoped=False, anonymous_get=API_ANON),
    Entry(
        "hazards-checklist-versions",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=400, college=403, counselor=403, guard=403),
        kwargs=_checklist,
        scoped=False,
        anonymous_get=API_ANON,
    ),
    Entry(
        "hazards-campaign-list", get=expect(403, **READ), out_post={"college": 404}, post=expect(403, office=400), anonymous_get=API_ANON
    ),
    Entry("hazards-campaign-detail", get=expect(403, **SCOPED), kwargs=_get("campaign"), anonymous_get=API_ANON),
    Entry("hazards-campaign-coverage", get=expect(403, **SCOPED), kwargs=_get("campaign"), anonymous_get=API_ANON),
    Entry("hazards-place-list", get=expect(403, **READ), anonymous_get=API_ANON),
    Entry("hazards-place-detail", get=expect(403, **SCOPED), kwargs=_get("draft"), anonymous_get=API_ANON),
    Entry(
        "hazards-place-inspection",
        get=expect(403, office=404, leader=404, inspector=404, college=404, counselor=404, guard=404),
        kwargs=_get("draft"),
        anonymous_get=API_ANON,
    ),
    Entry(
        "hazards-place-answers",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=400, counselor=404, guard=404),
        kwargs=_get("draft"),
        anonymous_get=API_ANON,
    ),
    Entry(
        "hazards-place-photos",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=400, counselor=404, guard=404),
        kwargs=_get("draft"),
        anonymous_get=API_ANON,
    ),
    Entry(
        "hazards-place-submit",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=400, college=403, counselor=404, guard=404),
        kwargs=_get("draft"),
        anonymous_get=API_ANON,
    ),
    Entry(
        "hazards-place-inspector",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=200, college=403, counselor=404, guard=404),
        kwargs=_api_inspector,
        anonymous_get=API_ANON,
    ),
    Entry("hazards-finding-list", get=expect(403, **READ), anonymous_get=API_ANON),
    Entry("hazards-finding-detail", get=expect(403, **SCOPED), kwargs=_get("finding"), anonymous_get=API_ANON),
    Entry(
        "hazards-finding-report",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=400, college=400, counselor=404, guard=404),
        kwargs=_get("finding"),
        anonymous_get=API_ANON,
    ),
    Entry(
        "hazards-finding-verify",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=400, counselor=404, guard=404),
        kwargs=_get("finding"),
        anonymous_get=API_ANON,
    ),
    Entry(
        "hazards-finding-change",
        get=expect(403, **dict.fromkeys(READ, 405)),
        out_post={"college": 404},
        post=expect(403, office=200, college=403, counselor=404, guard=404),
        kwargs=_get("finding"),
        anonymous_get=API_ANON,
    ),
    Entry("hazards-stale-lab-list", get=expect(403, **READ), anonymous_get=API_ANON),
]
