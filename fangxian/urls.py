from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from fangxian.core.import_views import import_errors
from fangxian.core.static_release import release_static
from fangxian.web.views import healthz

urlpatterns = [
    path("", include("fangxian.web.urls")),
    path("accounts/", include("fangxian.accounts.urls")),
    path("audit/", include("fangxian.accounts.urls_audit")),
    path("org/", include("fangxian.org.urls")),
    path("notifications/", include("fangxian.notify.urls")),
    path("deadlines/", include("fangxian.deadlines.urls")),
    path("reports/", include("fangxian.reports.urls")),
    path("ledger/", include("fangxian.ledger.urls")),
    path("gates/", include("fangxian.gates.urls")),
    path("duty/", include("fangxian.duty.urls")),
    path("incidents/", include("fangxian.incidents.urls")),
    path("hazards/", include("fangxian.hazards.urls")),
    path("screening/", include("fangxian.screening.urls")),
    path("care/", include("fangxian.care.urls")),
    path("notices/", include("fangxian.notices.urls")),
    path("privacy/", include("fangxian.privacy.urls")),
    path("dashboard/", include("fangxian.dashboard.urls")),
    path("supervision/", include("fangxian.supervision.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("imports/errors/<str:token>/", import_errors, name="import-errors"),
    path("api/v1/", include("fangxian.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Hashed static files of another release during a rolling release (core.static_release).
    path("static/<path:path>", release_static, name="release-static"),
]

# A date or id parameter that cannot be read (fangxian.core.params.BadParameter): 400 naming it.
handler400 = "fangxian.core.params.bad_request"
# A database outage answers 503 (maintenance page or JSON) instead of the generic 500 page.
handler500 = "fangxian.core.outage.server_error"
# Refusals of signed-in users are recorded as security events (fangxian/audit/refusals.py).
handler403 = "fangxian.audit.refusals.permission_denied"
handler404 = "fangxian.audit.refusals.page_not_found"
