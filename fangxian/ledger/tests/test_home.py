"""The counselor's home page: the stay applications waiting, the students who need
attention, and a search that finds a student."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from fangxian.ledger import services
from fangxian.ledger.home import _attention_tile
from fangxian.ledger.models import Status as S
from fangxian.web.home import tiles_for


def _tiles(user) -> dict:
    return {tile.key: tile for tile in tiles_for(user)}


def test_a_counselor_starts_with_a_search_the_queue_and_who_needs_attention(client, ledger):
    uni = ledger.uni
    tiles = _tiles(uni.counselor_user)
    assert tiles["student-search"].kind == "panel"
    assert tiles["stay-queue"].value == 0  # shown at 0: where applications will arrive
    assert tiles["attention"].value == 0 and tiles["attention"].tone == "success"

    ledger.apply(uni.students[1])
    entry = ledger.on_campus(uni.students[2])
    services.tag_add(student=uni.students[2], category=ledger.categories["risk_high"], by=uni.counselor_user)
    tiles = _tiles(uni.counselor_user)
    assert tiles["stay-queue"].value == 1 and tiles["stay-queue"].tone == "warning"
    assert tiles["attention"].value == 1 and tiles["attention"].tone == "danger"
    # Another counselor's students are not theirs to count.
    assert _tiles(uni.other_counselor_user)["attention"].value == 0

    client.force_login(uni.counselor_user)
    html = client.get("/").content.decode()
    form = re.search(r'<form method="get" action="(?P<action>[^"]+)"[^>]*data-testid="tile-search-student-search"', html)
    assert form is not None
    found = client.get(form["action"], {"q": entry.student.name})
    assert found.status_code == 200 and entry.student.name in found.content.decode()
    # Every figure tile opens its page.
    for tile in tiles_for(uni.counselor_user):
        if tile.kind == "figure":
            assert client.get(tile.url).status_code == 200, tile.key


def test_a_student_sees_the_state_of_their_stay_application(ledger):
    uni = ledger.uni
    assert "my-stay" not in _tiles(uni.student_user)
    ledger.apply(uni.students[0])
    tile = _tiles(uni.student_user)["my-stay"]
    assert tile.value and tile.url.endswith("/ledger/apply/")


def test_the_office_is_shown_the_queue_only_when_something_waits(ledger, office):
    assert "stay-queue" not in _tiles(office)
    ledger.apply(ledger.uni.students[1])
    assert _tiles(office)["stay-queue"].value == 1
    assert _tiles(office)["ledger-on-campus"].value == 0


def test_a_student_out_past_the_day_they_were_due_back_needs_attention(ledger):
    uni = ledger.uni
    today = timezone.localdate()
    entry = ledger.on_campus(uni.students[1])
    services.entry_change_status(
        entry=entry, status=S.OUT, version=entry.version, by=uni.counselor_user, expected_return=today + timedelta(days=1)
    )
    assert _attention_tile(uni.counselor_user, today).value == 0
    assert _attention_tile(uni.counselor_user, today + timedelta(days=3)).value == 1
