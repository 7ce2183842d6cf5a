from django.urls import path

from . import views

app_name = "gates"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("campus/<int:campus_id>/", views.campus, name="campus"),
    path("campus/<int:campus_id>/policy/new/", views.policy_new, name="policy_new"),
    path("campus/<int:campus_id>/devices/new/", views.device_new, name="device_new"),
    path("devices/<int:device_id>/withdraw/", views.device_withdraw, name="device_withdraw"),
    path("alerts/", views.alerts, name="alerts"),
    path("revocations/", views.revocations, name="revocations"),
    path("revocations/<int:pk>/lift/", views.revocation_lift, name="revocation_lift"),
    path("station/", views.station, name="station"),
    path("station/<int:gate_id>/bundle.json", views.station_bundle, name="station_bundle"),
    path("station/scan/", views.station_scan, name="station_scan"),
    path("station/sync/", views.station_sync, name="station_sync"),
    path("station/confirm/", views.station_confirm, name="station_confirm"),
    path("scans/<uuid:scan_id>/photo/", views.scan_photo, name="scan_photo"),
    path("pass/", views.my_pass, name="my_pass"),
    path("pass/current.json", views.my_pass_json, name="my_pass_json"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("leave/<int:pk>/cancel/", views.leave_cancel, name="leave_cancel"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/decide/", views.visit_decide, name="visit_decide"),
    path("visit/request/", views.visit_request, name="visit_request"),
    path("v/<str:token>/", views.visitor_pass, name="visitor_pass"),
    path("v/<str:token>/pass.json", views.visitor_pass_json, name="visitor_pass_json"),
    path("vehicles/", views.vehicles, name="vehicles"),
    path("vehicles/<int:pk>/withdraw/", views.vehicle_withdraw, name="vehicle_withdraw"),
]
