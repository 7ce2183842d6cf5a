from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("fill/<slug:code>/<int:unit_id>/<str:day>/", views.fill, name="fill"),
    path("submission/<int:pk>/", views.submission_detail, name="detail"),
    path("alert/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("submission/<int:pk>/<str:action>/", views.review, name="review"),
    path("overview/", views.overview, name="overview"),
    path("completeness/<slug:code>/", views.completeness, name="completeness"),
    path("calendar/<slug:code>/", views.calendar, name="calendar"),
    path("trends/<slug:code>/", views.trends, name="trends"),
    path("summaries/", views.summary_list, name="summaries"),
    path("summaries/generate/", views.summary_generate, name="summary_generate"),
    path("summaries/lock/", views.summary_lock, name="summary_lock"),
    path("summaries/<str:day>/<str:kind>/", views.summary_download, name="summary_download"),
    path("forms/", views.form_list, name="forms"),
    path("forms/new/", views.form_create, name="form_create"),
    path("forms/<slug:code>/version/", views.version_create, name="version_create"),
]
