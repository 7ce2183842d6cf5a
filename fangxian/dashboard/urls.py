from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("screen/", views.screen, name="screen"),
    path("screen/panel/", views.screen_panel, name="screen_panel"),
    path("college/<int:pk>/", views.college, name="college"),
    path("class/<int:pk>/", views.klass, name="klass"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("reconcile/<int:pk>/", views.reconcile_college, name="reconcile_college"),
    path("reconcile/<int:pk>/notify/", views.reconcile_notify, name="reconcile_notify"),
    path("export/colleges.xlsx", views.export_colleges, name="export_colleges"),
    path("export/college/<int:pk>.xlsx", views.export_college, name="export_college"),
    path("export/class/<int:pk>.xlsx", views.export_class, name="export_class"),
    path("export/reconcile/<int:pk>.xlsx", views.export_reconcile, name="export_reconcile"),
]
