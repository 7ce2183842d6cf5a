"""Home tiles for the stay ledger: a counselor's day starts with the applications waiting
for them, the students who need attention and a search; overseers see today's figure; a
student sees the state of their own stay application."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.roles import Role, roles_of
from fangxian.core.tiles import Tile
from fangxian.org.models import Student

from . import selectors
from .models import Category, StayApplication, StudentTag
from .models import Status as S
from .services import HIGH_RISK_CODES
from .views.common import STAFF_ROLES as VIEW_STAFF_ROLES

# The roles the ledger's pages let in, and those who decide stays.
STAFF_ROLES = frozenset(VIEW_STAFF_ROLES)
DECIDERS = frozenset({Role.COUNSELOR, Role.COLLEGE_ADMIN, Role.PREVENTION_OFFICE})


def home_tiles(user) -> list[Tile]:
    roles = roles_of(user)
    tiles: list[Tile] = []
    today = timezone.localdate()
    if Role.COUNSELOR in roles:
        tiles.append(
            Tile(
                _("Find a student"),
                kind="panel",
                template="web/tiles/search.html",
                data={
                    "action": reverse("ledger:mine"),
                    "name": "q",
                    "label": _("Name or student number"),
                    "button": _("Search"),
                },
                key="student-search",
            )
        )
    if roles & DECIDERS:
        waiting = selectors.approval_queue(user).count()
        # Shown at 0 too for those whose daily work it is, so they know where applications arrive.
        if waiting or roles & {Role.COUNSELOR, Role.COLLEGE_ADMIN}:
            tiles.append(
                Tile(
                    _("Stay applications waiting for you"),
                    waiting,
                    url=reverse("ledger:approvals"),
                    tone="warning" if waiting else "success",
                    key="stay-queue",
                )
            )
    if Role.COUNSELOR in roles:
        tiles.append(_attention_tile(user, today))
    if roles & STAFF_ROLES:
        on_campus = selectors.visible_spells(user).on_campus(today).count()
        tiles.append(
            Tile(
                _("Staying students on campus today"),
                on_campus,
                url=reverse("ledger:list") + "?status=" + selectors.ON_CAMPUS,
                key="ledger-on-campus",
            )
        )
    if Role.STUDENT in roles:
        student = Student.objects.filter(user=user).first()
        app = StayApplication.objects.filter(student=student).select_related("period").first() if student else None
        if app is not None:
            tiles.append(
                Tile(
                    _("My stay application"),
                    app.get_stage_display(),
                    url=reverse("ledger:apply"),
                    tone="info",
                    note=app.period.name,
                    key="my-stay",
                )
            )
    return tiles


def _attention_tile(user, today) -> Tile:
    """The counselor's students who need attention today: out past the day they were due
    back, or on a high-risk level."""
    entries = selectors.counselor_entries(user, today)
    high_risk = StudentTag.objects.on(today).filter(category__kind=Category.Kind.RISK, category__code__in=HIGH_RISK_CODES)
    count = (
        entries.filter(Q(status=S.OUT, expected_return__lt=today) | Q(student_id__in=high_risk.values("student_id")))
        .values("student_id")
        .distinct()
        .count()
    )
    return Tile(
        _("Students needing attention"),
        count,
        url=reverse("ledger:mine"),
        tone="danger" if count else "success",
        note=_("out past their return day, or high risk"),
        key="attention",
    )
