from django.urls import path

from .views import campuses, devices, leaves, passes, revocations, station, vehicles, visits

app_name = "gates"

urlpatterns = [
    path("", campuses.overview, name="overview"),
    path("campus/<int:campus_id>/", campuses.campus, name="campus"),
    path("campus/<int:campus_id>/policy/new/", campuses.policy_new, name="policy_new"),
    path("campus/<int:campus_id>/devices/new/", devices.device_new, name="device_new"),
    path("devices/<int:device_id>/withdraw/", devices.device_withdraw, name="device_withdraw"),
    path("alerts/", campuses.alerts, name="alerts"),
    path("revocations/", revocations.revocations, name="revocations"),
    path("revocations/<int:pk>/lift/", revocations.revocation_lift, name="revocation_lift"),
    path("station/", station.station, name="station"),
    path("station/<int:gate_id>/bundle.json", station.station_bundle, name="station_bundle"),
    path("station/scan/", station.station_scan, name="station_scan"),
    path("station/sync/", station.station_sync, name="station_sync"),
    path("station/confirm/", station.station_confirm, name="station_confirm"),
    path("scans/<uuid:scan_id>/photo/", station.scan_photo, name="scan_photo"),
    path("pass/", passes.my_pass, name="my_pass"),
    path("pass/current.json", passes.my_pass_json, name="my_pass_json"),
    path("leave/", leaves.leave_list, name="leave_list"),
    path("leave/<int:pk>/decide/", leaves.leave_decide, name="leave_decide"),
    path("leave/<int:pk>/cancel/", leaves.leave_cancel, name="leave_cancel"),
    path("visits/", visits.visit_list, name="visit_list"),
    path("visits/<int:pk>/decide/", visits.visit_decide, name="visit_decide"),
    path("visit/request/", visits.visit_request, name="visit_request"),
    path("v/<str:token>/", passes.visitor_pass, name="visitor_pass"),
    path("v/<str:token>/pass.json", passes.visitor_pass_json, name="visitor_pass_json"),
    path("vehicles/", vehicles.vehicles, name="vehicles"),
    path("vehicles/<int:pk>/withdraw/", vehicles.vehicle_withdraw, name="vehicle_withdraw"),
]
