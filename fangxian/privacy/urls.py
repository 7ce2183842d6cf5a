from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/export/", views.inventory_export, name="inventory_export"),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export/", views.access_log_export, name="access_log_export"),
    path("emergency/", views.emergency, name="emergency"),
    path("emergency/request/", views.emergency_request, name="emergency_request"),
    path("emergency/<int:pk>/decide/", views.emergency_decide, name="emergency_decide"),
    path("emergency/<int:pk>/withdraw/", views.emergency_withdraw, name="emergency_withdraw"),
    path("emergency/<int:pk>/certificate/", views.emergency_certificate, name="emergency_certificate"),
    path("purge/", views.purge_now, name="purge_now"),
    path("exports/", views.export_grants, name="export_grants"),
    path("exports/request/", views.export_request, name="export_request"),
    path("exports/<int:pk>/decide/", views.export_grant_decide, name="export_grant_decide"),
    path("exports/<int:pk>/withdraw/", views.export_grant_withdraw, name="export_grant_withdraw"),
    path("exports/<int:pk>/download/", views.export_grant_download, name="export_grant_download"),
    path("me/", views.my_data, name="my_data"),
    path("me/download/", views.my_data_download, name="my_data_download"),
]
