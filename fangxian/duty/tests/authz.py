"""Authorization matrix entries for the duty app's pages and API (see fangxian/testing_authz.py).

"in" objects belong to 医学院 (the college admin's college); "out" objects to 文学院. Duty
rows of the mini university are made once per world by `_duty`.
"""

from __future__ import annotations

from fangxian.testing_authz import Entry, expect

READ = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 200, "guard": 200}
API_ANON = (401, 403)
STAFF = {"college": 200, "counselor": 200, "guard": 200}
STAFF_405 = {"college": 405, "counselor": 405, "guard": 405}
READ_405 = {"office": 405, "leader": 405, "inspector": 405, **STAFF_405}
OFFICE_READ = {"office": 200, "leader": 200, "inspector": 200, "college": 200}
UNIT_READ = {"office": 200, "leader": 200, "inspector": 200, "college": 200, "counselor": 404, "guard": 404}
WRITE = {"office": 200, "college": 200}


def _duty(world):
    """The duty rosters of both colleges (made once per world)."""
    if hasattr(world, "duty"):
        return world.duty
    from datetime import timedelta

    from django.utils import timezone

    from fangxian.duty import services
    from fangxian.duty.models import Ping, PingRequest, Swap, Unavailability
    from fangxian.org.testing import StaffFactory

    uni = world.uni
    world.duty = {
        "in": services.roster_save(unit=uni.college, by=None),
        "out": services.roster_save(unit=uni.other_college, by=None),
    }
    day = timezone.localdate()
    for which, unit in (("in", uni.college), ("out", uni.other_college)):
        person = StaffFactory(unit=unit)
        post = services.post_add(roster=world.duty[which], day=day, slot=0, staff=person, role="duty_staff", by=None)
        world.duty[f"post_{which}"] = post
        ping = Ping.objects.create(answer_minutes=10)
        world.duty[f"ping_{which}"] = ping
        world.duty[f"request_{which}"] = PingRequest.objects.create(
            ping=ping, post=post, staff=person, closes_at=timezone.now() + timedelta(hours=1)
        )
        later = services.post_add(roster=world.duty[which], day=day + timedelta(days=3), slot=0, staff=person, role="duty_staff", by=None)
        colleague = StaffFactory(unit=unit)
        world.duty[f"swap_{which}"] = Swap.objects.create(post=later, shift=later.shift, requester=person, colleague=colleague)
        world.duty[f"leave_{which}"] = Unavailability.objects.create(
            staff=person, start_date=day + timedelta(days=5), end_date=day + timedelta(days=5), reason="培训"
        )
    return world.duty


def _roster(world, user, which):
    return {"pk": _duty(world)[which].pk}


def _post(world, user, which):
    return {"pk": _duty(world)[f"post_{which}"].pk}


def _of(name):
    return lambda world, user, which: {"pk": _duty(world)[f"{name}_{which}"].pk}


def _token(world, user, which):
    return {"token": _duty(world)["request_in"].token}


def _unit(world, user, which):
    return {"unit_id": (world.uni.college if which == "in" else world.uni.other_college).pk}


ENTRIES = [
    Entry("duty:list", get=expect(403, **READ)),
    Entry("duty:roster", get=expect(403, **UNIT_READ), kwargs=_roster),
    Entry("duty:roster_settings", get=expect(403, **WRITE), post=expect(403, **WRITE), kwargs=_unit),
    Entry("duty:roster_fill", get=expect(403, **WRITE), post=expect(403, **WRITE), kwargs=_roster),
    Entry("duty:post_add", get=expect(403, **WRITE), post=expect(403, **WRITE), kwargs=_roster),
    Entry(
        "duty:roster_import", get=expect(403, **WRITE), post=expect(403, office=400, college=400), kwargs=_roster, out_post={"college": 404}
    ),
    Entry("duty:roster_export", get=expect(403, **UNIT_READ), kwargs=_roster),
    Entry("duty:roster_print", get=expect(403, **UNIT_READ), kwargs=_roster),
    Entry("duty:mine", get=expect(403, **STAFF)),
    Entry("duty:check_in", get=expect(403, **STAFF_405), post=expect(403, college=302, counselor=404, guard=404), kwargs=_post),
    Entry("duty:check_out", get=expect(403, **STAFF_405), post=expect(403, college=302, counselor=404, guard=404), kwargs=_post),
    Entry("duty:log", get=expect(403, **READ), post=expect(403, **dict.fromkeys(READ, 302)), scoped=False),
    Entry("duty:on_post", get=expect(403, **OFFICE_READ)),
    Entry("duty:gaps", get=expect(403, **OFFICE_READ)),
    Entry("duty:reachability", get=expect(403, **OFFICE_READ)),
    Entry("duty:pings", get=expect(403, **READ)),
    Entry("duty:ping_send", get=expect(403, office=405, college=405), post=expect(403, office=302, college=302), scoped=False),
    Entry("duty:ping_schedule", get=expect(403, office=405, college=405), post=expect(403, office=302, college=302), scoped=False),
    Entry("duty:ping", get=expect(403, **UNIT_READ), kwargs=_of("ping")),
    Entry("duty:ping_answer", get=expect(403, **STAFF_405), post=expect(403, college=302, counselor=404, guard=404), kwargs=_of("request")),
    # The signed link in the message: the token is the credential, anyone holding it answers.
    Entry("duty:ping_link", get=expect(200), post=expect(200), kwargs=_token, scoped=False, anonymous_get=200, anonymous_post=200),
    Entry("duty:swaps", get=expect(403, **READ), post=expect(403, **READ), scoped=False),
    Entry(
        "duty:swap_act",
        get=expect(403, **READ_405),
        post=expect(403, **{**READ, **dict.fromkeys(READ, 302), **{"counselor": 404, "guard": 404}}),
        kwargs=_of("swap"),
    ),
    Entry("duty:leave", get=expect(403, **READ), post=expect(403, **READ), scoped=False),
    Entry("duty:leave_decide", get=expect(403, office=405, college=405), post=expect(403, office=302, college=302), kwargs=_of("leave")),
    # API
    Entry("duty-api-rosters", get=expect(403, **READ), anonymous_get=API_ANON),
    Entry("duty-api-roster-shifts", get=expect(403, **UNIT_READ), kwargs=_roster, anonymous_get=API_ANON),
    Entry(
        "duty-api-roster-fill",
        get=expect(403, office=405, college=405),
        post=expect(403, office=400, college=400),
        kwargs=_roster,
        anonymous_get=API_ANON,
        out_post={"college": 404},
    ),
    Entry("duty-api-my-posts", get=expect(403, **STAFF), anonymous_get=API_ANON),
    Entry(
        "duty-api-check-in",
        get=expect(403, **STAFF_405),
        post=expect(403, college=400, counselor=404, guard=404),
        kwargs=_post,
        anonymous_get=API_ANON,
        out_post={"college": 404},
    ),
    Entry(
        "duty-api-check-out",
        get=expect(403, **STAFF_405),
        post=expect(403, college=400, counselor=404, guard=404),
        kwargs=_post,
        anonymous_get=API_ANON,
        out_post={"college": 404},
    ),
    Entry("duty-api-my-pings", get=expect(403, **STAFF), anonymous_get=API_ANON),
    # Whether anyone is on duty at the moment the test runs decides between sent and refused.
    Entry(
        "duty-api-ping-send",
        get=expect(403, office=405, college=405),
        post=expect(403, office=(201, 400)),
        anonymous_get=API_ANON,
        scoped=False,
    ),
    Entry(
        "duty-api-ping-schedules",
        get=expect(403, **OFFICE_READ),
        post=expect(403, office=400, college=400),
        anonymous_get=API_ANON,
        scoped=False,
    ),
    Entry(
        "duty-api-ping-answer",
        get=expect(403, **STAFF_405),
        post=expect(403, college=400, counselor=404, guard=404),
        kwargs=_of("request"),
        anonymous_get=API_ANON,
        out_post={"college": 404},
    ),
    Entry("duty-api-log", get=expect(403, **READ), post=expect(403, **dict.fromkeys(STAFF, 400)), anonymous_get=API_ANON, scoped=False),
    Entry("duty-api-gaps", get=expect(403, **OFFICE_READ), anonymous_get=API_ANON),
    Entry("duty-api-on-post", get=expect(403, **OFFICE_READ), anonymous_get=API_ANON),
    Entry("duty-api-reachability", get=expect(403, **OFFICE_READ), anonymous_get=API_ANON),
    Entry(
        "duty-api-swaps",
        get=expect(403, **READ),
        post=expect(403, office=400, **dict.fromkeys(STAFF, 400)),
        anonymous_get=API_ANON,
        scoped=False,
    ),
    Entry(
        "duty-api-swap-act",
        get=expect(403, **READ_405),
        post=expect(403, office=400, college=400, counselor=404, guard=404),
        kwargs=_of("swap"),
        anonymous_get=API_ANON,
        out_post={"college": 404},
    ),
    Entry("duty:post_remove", get=expect(403, office=405, college=405), post=expect(403, office=302, college=302), kwargs=_post),
]
