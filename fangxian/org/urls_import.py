"""Spreadsheet imports of trees, people and assignments (URL names org:import*)."""

from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.import_index, name="import_index"),
    path("<slug:name>/", import_views.import_run, name="import"),
]
