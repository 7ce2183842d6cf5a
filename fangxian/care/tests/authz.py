"""Authorization matrix entries for care's pages and API (see fangxian/testing_authz.py).

"in" objects belong to 医学院 (the college admin's and the counselor's grade): a care plan,
a follow-up, a help request and a fever referral of students[1]; "out" ones to 文学院. The
canteen and its complaint are not in the org scope: the office sees them, the demo roles
hold no canteen or logistics assignment (404)."""

from __future__ import annotations

from datetime import timedelta

from fangxian.testing_authz import Entry, expect

API_ANON = (401, 403)
READERS = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200}
STAFF_READERS = {**READERS, "guard": 200}


def _care(world):
    """The care data of the mini university, made once per world."""
    if hasattr(world, "care"):
        return world.care
    from django.utils import timezone

    from fangxian.care import services
    from fangxian.care.models import Canteen
    from fangxian.org.models import Place, Unit

    uni = world.uni
    now = timezone.now()
    today = timezone.localdate()
    hospital = Unit.objects.create(kind="hospital", name="附属医院", parent=uni.institution)
    building = Place.objects.create(kind="building", use="other", name="第一食堂", parent=uni.campus, institution=uni.institution)
    canteen = Canteen.objects.create(institution=uni.institution, place=building, campus=uni.campus, name="第一食堂")
    data = {"canteen": canteen}
    for which, student, owner in (("in", uni.students[1], uni.counselor), ("out", uni.other_students[0], uni.other_counselor)):
        plan = services.plan_create(
            student=student, kind="life", interval_days=7, starts_on=today - timedelta(days=3), owner=owner, by=None
        )
        data[f"plan_{which}"] = plan
        data[f"follow_up_{which}"] = services.follow_up_log(
            plan=plan, by=None, at=now - timedelta(hours=1), mode="phone", content="电话询问饮食情况"
        )
        data[f"help_{which}"] = services.help_ask(student=student, kind="meal", text="晚饭没有了", now=now)
        data[f"referral_{which}"] = services.referral_create(
            student=student, hospital=hospital, referred_at=now - timedelta(hours=2), from_where="宿舍", by=None
        )
    data["rating"] = services.meal_rate(
        student=uni.students[0], canteen=canteen, day=today, meal="lunch", score=1, comment="菜是凉的", complaint=True
    )
    world.care = data
    return data


def _obj(key):
    def kwargs(world, user, which):
        return {"pk": _care(world)[f"{key}_{which}"].pk}

    return kwargs


def _setup(world, user, which):
    _care(world)
    return {}


def _canteen(world, user, which):
    return {"pk": _care(world)["canteen"].pk}


def _rating(world, user, which):
    return {"pk": _care(world)["rating"].pk}


def _help_api(world, user, which):
    return {"pk": str(_care(world)[f"help_{which}"].pk)}


WRITE_405 = {"office": 405, "college": 405, "counselor": 405}
SCOPED_400 = {"college": 404, "counselor": 404}

ENTRIES = [
    Entry("care:list", get=expect(403, **STAFF_READERS), kwargs=None),
    Entry("care:plans_export", get=expect(403, **STAFF_READERS), kwargs=None),
    Entry(
        "care:plan_new",
        get=expect(403, office=200, college=200, counselor=200),
        post=expect(403, office=200, college=200, counselor=200),
        anonymous_post=302,
    ),
    Entry("care:plan", get=expect(403, **READERS, guard=404), kwargs=_obj("plan")),
    Entry(
        "care:follow_up_new",
        get=expect(403, **WRITE_405, guard=405),
        post=expect(403, office=400, college=400, counselor=400, guard=404),
        kwargs=_obj("plan"),
        out_post=SCOPED_400,
    ),
    Entry(
        "care:plan_end",
        get=expect(403, **WRITE_405),
        post=expect(403, office=302, college=302, counselor=302),
        kwargs=_obj("plan"),
    ),
    Entry("care:follow_up", get=expect(403, **READERS, guard=404), kwargs=_obj("follow_up")),
    Entry("care:help_list", get=expect(403, **READERS), kwargs=None),
    Entry("care:help", get=expect(403, **READERS), kwargs=_obj("help")),
    Entry(
        "care:help_answer",
        get=expect(403, **WRITE_405),
        post=expect(403, office=400, college=400, counselor=400),
        kwargs=_obj("help"),
        out_post=SCOPED_400,
    ),
    Entry("care:ask", get=expect(403, student=200), post=expect(403, student=200), anonymous_post=302),
    Entry("care:meals", get=expect(403, student=200), post=expect(403, student=400), kwargs=None, anonymous_post=302),
    Entry("care:canteens", get=expect(403, **STAFF_READERS), kwargs=None),
    # The week as a file: the office (the logistics office), leaders and inspectors only.
    Entry("care:canteens_export", get=expect(403, office=200, leader=200, inspector=200), kwargs=None),
    Entry(
        "care:canteen_report",
        get=expect(403, office=200, college=404, counselor=404, guard=404),
        post=expect(403, office=400, college=404, counselor=404, guard=404),
        kwargs=_canteen,
        scoped=False,
    ),
    Entry(
        "care:complaint_answer",
        get=expect(403, **WRITE_405, guard=405),
        # The college and the counselor see their student's complaint but do not answer it.
        post=expect(403, office=302, guard=404),
        kwargs=_rating,
        scoped=False,
    ),
    Entry(
        "care:referrals",
        get=expect(403, **STAFF_READERS),
        post=expect(403, office=400, college=400, counselor=400),
        kwargs=None,
        anonymous_post=302,
    ),
    Entry(
        "care:referral",
        get=expect(403, **READERS, guard=404),
        post=expect(403, office=400, college=400, counselor=400, guard=404),
        kwargs=_obj("referral"),
        out_post=SCOPED_400,
    ),
    Entry("api-care-plans", get=expect(403, **STAFF_READERS), anonymous_get=API_ANON, kwargs=None),
    Entry("api-care-follow-ups", get=expect(403, **STAFF_READERS), anonymous_get=API_ANON, kwargs=None),
    Entry(
        "api-care-help",
        get=expect(403, **READERS, student=200),
        post=expect(403, student=400),
        anonymous_get=API_ANON,
        kwargs=None,
    ),
    Entry(
        "api-care-help-answer",
        get=expect(403, **dict.fromkeys(READERS, 405)),
        post=expect(403, office=400, college=400, counselor=400),
        kwargs=_help_api,
        anonymous_get=API_ANON,
        out_post=SCOPED_400,
    ),
    Entry(
        "api-care-ratings",
        get=expect(403, **STAFF_READERS, student=200),
        post=expect(403, student=400),
        anonymous_get=API_ANON,
        kwargs=None,
    ),
    Entry("api-care-referrals", get=expect(403, **STAFF_READERS), anonymous_get=API_ANON, kwargs=None),
    Entry("api-care-figures", get=expect(403, **STAFF_READERS), anonymous_get=API_ANON, kwargs=None),
]
