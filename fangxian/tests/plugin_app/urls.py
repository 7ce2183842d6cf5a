from django.urls import path

from . import views

app_name = "plugin_app"
urlpatterns = [
    path("labs/", views.lab_list, name="lab_list"),
    path("labs/<int:pk>/", views.lab_detail, name="lab_detail"),
]
