"""Asking for an incident report (突发事件信息报告) from any app, without importing the duty app.

A hazard found to be 重大, a positive pooled tube, a student missing: the app that sees it
asks for an incident; the duty app (which owns incidents, their clocks and escalation)
registers the opener in its AppConfig.ready(). Without the duty app installed nothing is
opened and `open_incident` returns None, so the caller keeps working.

    from fangxian.core.incidents import IncidentRequest, open_incident

    url = open_incident(
        IncidentRequest(
            kind="positive",
            level="larger",
            title="混管 T-0012 阳性",
            source=f"screening.tube:{tube.pk}",  # one incident per source, however often asked
            source_url=reverse("screening:tube", args=[tube.pk]),
            place_id=site.pk,
            student_ids=tuple(ids),
            reported_by_id=user.pk,
        )
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# The kinds and levels every app may ask for (the duty app shows them with their labels).
EPIDEMIC_KINDS = ("fever", "positive", "close_contact", "missing")
SAFETY_KINDS = ("fire", "leak", "lab", "injury", "unrest", "other")
KINDS = EPIDEMIC_KINDS + SAFETY_KINDS
LEVELS = ("general", "larger", "major", "especially_major")  # 一般 / 较大 / 重大 / 特别重大


@dataclass(frozen=True)
class IncidentRequest:
    kind: str  # one of KINDS
    level: str  # one of LEVELS
    title: str
    source: str  # "app.model:pk": the same source never opens a second incident
    description: str = ""
    occurred_at: datetime | None = None  # default: now
    place_id: int | None = None  # org.Place
    unit_id: int | None = None  # org.Unit
    student_ids: tuple[int, ...] = ()  # org.Student
    staff_ids: tuple[int, ...] = ()  # org.Staff
    source_url: str = ""  # the page of what caused it, linked from the incident
    reported_by_id: int | None = None  # the user asking (None: the platform itself)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown incident kind {self.kind!r}; one of {KINDS}")
        if self.level not in LEVELS:
            raise ValueError(f"unknown incident level {self.level!r}; one of {LEVELS}")
        if not self.source:
            raise ValueError("an incident request needs its source")


IncidentOpener = Callable[[IncidentRequest], str]
_opener: list[IncidentOpener] = []


def register_incident_opener(opener: IncidentOpener) -> None:
    """The duty app's: open (or find, for the same source) an incident; return its URL."""
    _opener[:] = [opener]


def incidents_available() -> bool:
    return bool(_opener)


def open_incident(request: IncidentRequest) -> str | None:
    """The incident's URL, or None where no app handles incidents."""
    if not _opener:
        return None
    return _opener[0](request)
