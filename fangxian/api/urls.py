"""/api/v1/: feature apps add their routes to `router` or to `urlpatterns` in their own
api.py and are included here."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("me/", views.me, name="api-me"),
    path("auth/", include("fangxian.accounts.api")),
    path("org/", include("fangxian.org.api")),
    path("notify/", include("fangxian.notify.api")),
    path("reports/", include("fangxian.reports.api")),
    path("ledger/", include("fangxian.ledger.api")),
    path("gates/", include("fangxian.gates.api")),
    path("duty/", include("fangxian.duty.api")),
    path("incidents/", include("fangxian.incidents.api")),
    path("hazards/", include("fangxian.hazards.api")),
    path("screening/", include("fangxian.screening.api")),
    path("care/", include("fangxian.care.api")),
    path("notices/", include("fangxian.notices.api")),
    path("dashboard/", include("fangxian.dashboard.api")),
    path("supervision/", include("fangxian.supervision.api")),
]
