"""Spreadsheet imports of trees, people and assignments (URL names org:import*)."""

from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.import_index, name="import_index"),
    path("batches/", import_views.import_batches, name="import_batches"),
    path("batches/<int:pk>/undo/", import_views.import_batch_undo, name="import_batch_undo"),
    path("<slug:name>/", import_views.import_run, name="import"),
    path("<slug:name>/export/", import_views.import_export, name="import_export"),
]
