from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.incident_report, name="report"),
    path("limits/", views.limits, name="limits"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.incident_acknowledge, name="acknowledge"),
    path("<int:pk>/reports/", views.incident_update, name="update"),
    path("<int:pk>/photos/<int:photo>/", views.incident_photo, name="photo"),
    path("<int:pk>/docx/", views.incident_docx, name="docx"),
]
