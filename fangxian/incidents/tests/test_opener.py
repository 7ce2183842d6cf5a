"""Other apps open incidents through fangxian.core.incidents: once per source."""

from __future__ import annotations

from django.urls import reverse

from fangxian.core.incidents import IncidentRequest, incidents_available, open_incident
from fangxian.incidents.models import Incident


def test_the_opener_is_idempotent_per_source_and_links_back(cast):
    assert incidents_available()
    request = IncidentRequest(
        kind="positive",
        level="larger",
        title="混管 T-0012 阳性",
        source="screening.tube:12",
        source_url="/screening/tubes/12/",
        place_id=cast.uni.building.pk,
        student_ids=(cast.uni.students[0].pk,),
    )
    first = open_incident(request)
    second = open_incident(request)
    incident = Incident.objects.get()
    assert first == second == reverse("incidents:detail", args=[incident.pk])
    assert incident.source_url == "/screening/tubes/12/" and incident.unit == cast.uni.institution
    assert list(incident.students.all()) == [cast.uni.students[0]]
    assert incident.reporter_name == "防线平台"
    other = open_incident(
        IncidentRequest(
            kind="lab", level="major", title="实验室重大隐患", source="hazards.finding:3", source_url="https://elsewhere.example/x"
        )
    )
    assert other != first and Incident.objects.count() == 2
    assert Incident.objects.get(source="hazards.finding:3").source_url == ""  # links only to pages of this site
