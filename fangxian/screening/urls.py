from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_new, name="new"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/next/", views.round_next, name="next"),
    path("<int:pk>/coverage/", views.coverage, name="coverage"),
    path("<int:pk>/results/", views.results_import, name="import"),
    path("<int:pk>/results/lab/", views.lab_mapping, name="lab_mapping"),
    path("<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("<int:pk>/report.docx", views.report_docx, name="report_docx"),
    path("tube/<int:pk>/", views.tube, name="tube"),
    path("person/<str:kind>/<int:pk>/", views.person, name="person"),
    path("sample/", views.sample, name="sample"),
    path("mine/", views.mine, name="mine"),
]
