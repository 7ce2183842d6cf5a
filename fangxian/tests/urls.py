"""The test suite's URL configuration: the project's, plus the test plugin app's pages."""

from django.urls import include, path

from fangxian.urls import handler400, handler403, handler404, handler500  # noqa: F401
from fangxian.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("plugin/", include("fangxian.tests.plugin_app.urls"))]
