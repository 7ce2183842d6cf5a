"""Scope is a queryset method on every scoped model (DESIGN: `Model.objects.visible_to(user)`):
the org models, and the feature models that hold students', units' or campuses' data."""

import pytest
from django.apps import apps

from fangxian.org.scope import scope_of

SCOPED_MODELS = [
    "org.Unit",
    "org.Place",
    "org.Student",
    "org.Staff",
    "org.Assignment",
    "ledger.LedgerEntry",
    "ledger.StayApplication",
    "ledger.StatusSpell",
    "ledger.StudentTag",
    "ledger.MovePlan",
    "reports.Submission",
    "reports.ReportAlert",
    "gates.Scan",
    "gates.GateAlert",
    "gates.Vehicle",
    "gates.Visit",
    "gates.LeaveApplication",
    "duty.Roster",
    "duty.Shift",
    "duty.Post",
    "duty.Swap",
    "duty.Unavailability",
    "duty.Ping",
    "duty.PingRequest",
    "duty.LogEntry",
    "incidents.Incident",
    "care.CarePlan",
    "care.FollowUp",
    "care.HelpRequest",
    "care.Canteen",
    "care.CanteenReport",
    "care.MealRating",
    "care.FeverReferral",
    "notices.Notice",
    "notices.Receipt",
]


@pytest.mark.parametrize("label", SCOPED_MODELS)
def test_every_scoped_model_answers_visible_to(label, uni, make_user):
    model = apps.get_model(label)
    users = [make_user("office-v", "prevention_office"), make_user("leader-v", "leader"), make_user("auditor-v", "audit_admin")]
    users += [uni.college_admin_user, uni.counselor_user, uni.guard_user, uni.student_user, make_user("plain-v")]
    for user in users:
        qs = model.objects.visible_to(user)
        assert qs.model is model
        qs.count()  # the scope compiles to SQL for every kind of user
        if scope_of(user).is_empty and label != "gates.Vehicle":
            # An empty scope (an admin account, a user with no role) sees nothing.
            assert not qs.exists(), (label, user.username)
