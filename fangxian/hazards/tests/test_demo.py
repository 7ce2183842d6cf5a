"""The hazards demo on top of the demo university: a campaign in progress over 校本部's
buildings and every lab, with the two logins having work to do."""

from __future__ import annotations

import pytest

from fangxian.hazards import demo, home, selectors
from fangxian.hazards.models import Campaign, Finding, Inspection
from fangxian.org import demo as org_demo

pytestmark = pytest.mark.django_db


def test_demo_campaign_in_progress(django_user_model, media_root):
    org_demo.load(size=600, seed=7)
    demo.load(size=600, seed=7)
    campaign = Campaign.objects.get(name=demo.CAMPAIGN_NAME)
    assert campaign.is_open and campaign.places.filter(place__use="lab").count() >= 10
    assert Inspection.objects.filter(status="submitted").count() >= 5 and Inspection.objects.filter(status="draft").exists()
    assert Finding.objects.filter(status="reported").exists()
    assert Finding.objects.overdue().exists()
    assert Campaign.objects.filter(name=demo.PATROL_NAME, recurrence="weekly").exists()
    safety = django_user_model.objects.get(username="safety")
    labowner = django_user_model.objects.get(username="labowner")
    assert selectors.my_places_to_inspect(safety).exists()
    assert {tile.key for tile in home.hazard_tiles(labowner)} & {"hazards-rectify"}
    demo.load(size=600, seed=7)  # loading twice changes nothing
    assert Campaign.objects.filter(name=demo.CAMPAIGN_NAME).count() == 1
