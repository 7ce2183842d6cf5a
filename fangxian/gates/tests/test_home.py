"""Home pages of gate control: a guard's opens the station at their post with one button;
a student's shows the pass, a leave button and where their leave stands."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from fangxian.gates import services
from fangxian.gates.models import LeaveApplication
from fangxian.gates.tests.conftest import same_day_window
from fangxian.org.models import AssignmentRole
from fangxian.org.testing import StaffFactory
from fangxian.testing import UserFactory
from fangxian.web.home import tiles_for


def _tiles(user) -> dict:
    return {tile.key: tile for tile in tiles_for(user)}


def test_a_guards_home_opens_the_station_at_their_post(world, client):
    tile = _tiles(world.guard_user)["station"]
    assert tile.kind == "action" and tile.url == reverse("gates:station") + f"?gate={world.gate.pk}"
    assert world.gate.name in tile.note
    client.force_login(world.guard_user)
    # Even when this session last ran the station at another gate of the campus.
    assert client.get(reverse("gates:station"), {"gate": world.west_gate.pk}).context["gate"] == world.west_gate
    home = client.get("/").content.decode()
    assert f'href="{reverse("gates:station")}?gate={world.gate.pk}" data-tile="station"' in home
    assert client.get(tile.url).context["gate"] == world.gate
    assert [t.key for t in tiles_for(world.guard_user) if t.leads] == ["station"]  # one big button


def test_a_guard_posted_to_a_whole_campus_is_asked_at_the_station(world, uni, client):
    user = UserFactory(username="guard3")
    uni.assign(StaffFactory(unit=uni.security_office, name="门卫 周平", user=user), AssignmentRole.GATE_GUARD, place=world.campus)
    tile = _tiles(user)["station"]
    assert tile.url == reverse("gates:station") and "2" in tile.note  # the east and the west gate
    client.force_login(user)
    assert client.get(tile.url).status_code == 200


def test_other_roles_get_no_station_button(world, office):
    assert "station" not in _tiles(office) and "station" not in _tiles(world.student_user)


def test_a_students_home_shows_the_pass_and_the_leave_button(world, client):
    tiles = _tiles(world.student_user)
    assert tiles["pass"].kind == "panel" and tiles["leave"].kind == "action"
    assert "my-leave" not in tiles
    client.force_login(world.student_user)
    html = client.get("/").content.decode()
    assert 'data-testid="pass"' in html and f'data-url="{reverse("gates:my_pass_json")}"' in html
    assert "/static/gates/pass.js" in html and "/static/gates/gates.css" in html
    assert f'href="{reverse("gates:leave_list")}#leave-form"' in html
    assert 'id="leave-form"' in client.get(reverse("gates:leave_list")).content.decode()


def test_a_student_sees_where_their_leave_stands(world):
    starts, ends = same_day_window()
    leave = services.leave_apply(student=world.student, purpose="就医", destination="市医院", starts_at=starts, ends_at=ends)
    tile = _tiles(world.student_user)["my-leave"]
    assert tile.tone == "warning" and tile.value == leave.get_status_display()
    services.leave_decide(leave=leave, staff=world.uni.counselor, approve=True)
    assert _tiles(world.student_user)["my-leave"].tone == "success"
    # The leave ran out and the student is not back.
    now = timezone.now()
    LeaveApplication.objects.filter(pk=leave.pk).update(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    tile = _tiles(world.student_user)["my-leave"]
    assert tile.tone == "danger" and "逾期" in str(tile.value)


def test_a_staff_member_with_no_other_role_starts_at_their_pass(world, uni):
    user = UserFactory(username="teacher1")
    StaffFactory(unit=uni.college, name="教师 吴敏", user=user)
    tile = _tiles(user)["pass"]
    assert tile.kind == "action" and tile.url == reverse("gates:my_pass")
    assert "pass" not in _tiles(uni.counselor_user)  # a counselor starts with their students
