from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("leads/", views.findings, name="findings"),
    path("leads/<int:pk>/dismiss/", views.finding_dismiss, name="finding_dismiss"),
    path("notices/", views.cases, name="cases"),
    path("notices/new/", views.case_new, name="case_new"),
    path("notices/<int:pk>/", views.case, name="case"),
    path("notices/<int:pk>/answer/", views.case_answer, name="case_answer"),
    path("notices/<int:pk>/decide/", views.case_decide, name="case_decide"),
    path("notices/<int:pk>/notice.docx", views.case_notice, name="case_notice"),
    path("notices/<int:pk>/record.docx", views.case_record, name="case_record"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("accountability/", views.accountability, name="accountability"),
]
