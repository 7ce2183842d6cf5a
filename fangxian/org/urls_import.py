"""Spreadsheet imports of trees, people and assignments (URL names org:import*)."""

urlpatterns: list = []
