from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangxian.core.tiles import TileContext
from fangxian.duty import home, services
from fangxian.duty.models import Post
from fangxian.duty.roles import DUTY_LEADER_KEY, DUTY_STAFF_KEY
from fangxian.testing import api_client


def _running(duty):
    start = timezone.localtime() - timedelta(hours=1)
    services.roster_save(unit=duty.uni.college, by=None, pattern="full_day", day_starts=start.time().replace(second=0, microsecond=0))
    duty.roster.refresh_from_db()
    return start.date()


def test_api_check_in_ping_and_fill(duty):
    day = _running(duty)
    leader = services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.dean, role=DUTY_LEADER_KEY, by=duty.office)
    post = services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    staff = api_client(duty.staff_user)
    assert [p["id"] for p in staff.get("/api/v1/duty/posts/mine/").json()] == [post.pk]
    refused = staff.post(f"/api/v1/duty/posts/{leader.pk}/check-in/")
    assert refused.status_code == 404  # not visible to a member of staff: another person's post
    assert staff.post(f"/api/v1/duty/posts/{post.pk}/check-in/").json()["checked_in_at"]
    office = api_client(duty.office)
    sent = office.post("/api/v1/duty/pings/", {"minutes": 5}, format="json")
    assert sent.status_code == 201 and sent.json()["asked"] == 2
    mine = staff.get("/api/v1/duty/pings/mine/").json()
    assert staff.post(f"/api/v1/duty/ping-requests/{mine[0]['id']}/answer/").json()["answered_at"]
    bad = office.post(
        f"/api/v1/duty/rosters/{duty.roster.pk}/fill/",
        {"start": str(day + timedelta(days=2)), "end": str(day + timedelta(days=3)), "leaders": "无此人", "staff": duty.staff.name},
        format="json",
    )
    assert bad.status_code == 400 and "无此人" in str(bad.json())
    assert Post.objects.count() == 2
    log = staff.post("/api/v1/duty/log/", {"text": "巡查东门，正常。"}, format="json")
    assert log.status_code == 201
    assert [e["text"] for e in api_client(duty.dean_user).get("/api/v1/duty/log/").json()] == ["巡查东门，正常。"]


def test_tiles(duty):
    day = _running(duty)
    services.post_add(roster=duty.roster, day=day, slot=0, staff=duty.staff, role=DUTY_STAFF_KEY, by=duty.office)
    tiles = home.duty_tiles(duty.staff_user)
    assert [t.key for t in tiles] == ["duty-check-in"]
    assert home.duty_tiles(duty.uni.student_user) == []
    dash = home.dashboard_tiles(TileContext(user=duty.office, day=day, campus=None, summary=None))
    assert [(t.key, t.value) for t in dash] == [("duty-on-post", "0/1"), ("duty-reachability", "—")]
