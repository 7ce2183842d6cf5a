from django.urls import path

from .views import rosters

app_name = "duty"

urlpatterns = [
    path("", rosters.roster_list, name="list"),
    path("rosters/<int:pk>/", rosters.roster_detail, name="roster"),
    path("units/<int:unit_id>/roster/", rosters.roster_settings, name="roster_settings"),
]
