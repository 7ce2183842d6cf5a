from django.urls import path

from . import views

app_name = "hazards"

urlpatterns = [
    path("", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/report.xlsx", views.campaign_xlsx, name="campaign_xlsx"),
    path("campaigns/<int:pk>/report.docx", views.campaign_docx, name="campaign_docx"),
    path("campaigns/<int:pk>/inspector/", views.set_inspector, name="set_inspector"),
    path("inspect/<int:pk>/", views.inspect, name="inspect"),
    path("inspect/<int:pk>/save/", views.inspect_save, name="inspect_save"),
    path("inspect/<int:pk>/photo/", views.inspect_photo, name="inspect_photo"),
    path("photos/<int:pk>/", views.answer_photo, name="answer_photo"),
    path("rectification-photos/<int:pk>/", views.event_photo, name="event_photo"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("findings/<int:pk>/report/", views.finding_report, name="finding_report"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("findings/<int:pk>/change/", views.finding_change, name="finding_change"),
    path("findings/<int:pk>/notice.docx", views.finding_notice, name="finding_notice"),
    path("place/<int:pk>/", views.place_history, name="place"),
    path("labs/", views.stale_labs, name="stale_labs"),
    path("checklists/", views.checklists, name="checklists"),
    path("checklists/new/", views.checklist_new, name="checklist_new"),
    path("checklists/defaults/", views.checklists_defaults, name="checklists_defaults"),
    path("checklists/<int:pk>/", views.checklist, name="checklist"),
]
