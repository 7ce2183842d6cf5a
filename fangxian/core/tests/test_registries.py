"""The registries in fangxian.core that feature apps fill for each other: personal fields,
incidents, supervision rules and dashboard tiles; and org.access.holds for an app's own
responsibilities."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from fangxian.core import incidents, personal, supervision, tiles
from fangxian.core.incidents import IncidentRequest
from fangxian.core.personal import Category, Mask, PersonalField, Retention
from fangxian.org.access import holds
from fangxian.org.scope import forget_scope


@pytest.fixture
def clean(monkeypatch):
    monkeypatch.setattr(personal, "_models", {})
    monkeypatch.setattr(incidents, "_opener", [])
    monkeypatch.setattr(supervision, "_rules", {})
    monkeypatch.setattr(tiles, "_dashboard_providers", [])


def test_personal_fields_merge_per_model_and_know_what_is_sensitive(clean):
    personal.register_personal_fields("duty.Shift", PersonalField("phone", Category.CONTACT, "reach", mask=Mask.PHONE), dated_by="day")
    personal.register_personal_fields("duty.Shift", PersonalField("note", Category.NOTE, "log", Retention.YEAR_1))
    model = personal.personal_model("duty.shift")
    assert [f.name for f in model.fields] == ["phone", "note"]
    assert model.dated_by == "day"
    assert personal.personal_field("duty.Shift", "note").retention == Retention.YEAR_1
    assert not personal.personal_field("duty.Shift", "phone").is_sensitive
    assert PersonalField("temperature", Category.HEALTH, "screening").is_sensitive
    assert PersonalField("id_number", Category.IDENTITY, "identify", mask=Mask.ID_NUMBER).is_sensitive
    assert not PersonalField("result", Category.HEALTH, "public figure", sensitive=False).is_sensitive
    assert [m.label for m in personal.personal_models()] == ["duty.shift"]


def test_an_incident_asked_for_without_a_duty_app_opens_nothing(clean):
    request = IncidentRequest(kind="lab", level="major", title="实验室漏气", source="hazards.finding:1")
    assert not incidents.incidents_available()
    assert incidents.open_incident(request) is None
    seen = []
    incidents.register_incident_opener(lambda r: seen.append(r) or f"/duty/incidents/{len(seen)}/")
    assert incidents.open_incident(request) == "/duty/incidents/1/"
    assert seen == [request]


@pytest.mark.parametrize("kwargs", [{"kind": "flood"}, {"level": "grave"}, {"source": ""}])
def test_an_incident_request_names_a_known_kind_level_and_its_source(kwargs):
    fields = {"kind": "fire", "level": "general", "title": "t", "source": "x:1", **kwargs}
    with pytest.raises(ValueError):
        IncidentRequest(**fields)


def test_supervision_rules_are_listed_in_order(clean):
    def derive(day):
        yield supervision.Proposal(rule="b.late", key=f"1:{day}", unit_id=1, title="late")

    supervision.register_supervision_rule(supervision.SupervisionRule("b.late", "Late", derive, order=20))
    supervision.register_supervision_rule(supervision.SupervisionRule("a.missed", "Missed", lambda day: [], order=10))
    assert [r.key for r in supervision.supervision_rules()] == ["a.missed", "b.late"]
    assert [p.key for p in supervision.supervision_rule("b.late").derive(date(2026, 12, 5))] == ["1:2026-12-05"]


def test_dashboard_tiles_come_in_order_once_per_provider(clean):
    def first(ctx):
        return [tiles.Tile("A", 1, key="a")]

    tiles.register_dashboard_tiles(lambda ctx: [tiles.Tile("B", 2, key="b")], order=20)
    tiles.register_dashboard_tiles(first, order=10)
    tiles.register_dashboard_tiles(first, order=10)
    ctx = tiles.TileContext(user=None, day=date(2026, 12, 5), campus=None, summary=None)
    assert [t.key for t in tiles.dashboard_tiles(ctx)] == ["a", "b"]


def test_holds_answers_for_the_moment_an_assignment_is_in_force(uni):
    now = timezone.now()
    assert not holds(uni.counselor_user, "building_manager")
    building = uni.assign(uni.counselor, "building_manager", place=uni.building)
    forget_scope(uni.counselor_user)
    assert holds(uni.counselor_user, "building_manager", "room_head")
    building.starts_at, building.ends_at = now + timedelta(hours=1), now + timedelta(hours=2)
    building.save()
    forget_scope(uni.counselor_user)
    assert not holds(uni.counselor_user, "building_manager")
    assert holds(uni.counselor_user, "building_manager", at=now + timedelta(minutes=90))
    assert not holds(uni.student_user, "building_manager")
