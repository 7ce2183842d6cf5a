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
    path("me/", views.my_data, name="my_data"),
    path("me/download/", views.my_data_download, name="my_data_download"),
]
