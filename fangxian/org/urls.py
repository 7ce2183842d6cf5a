from django.urls import include, path

from .views import assignments, autocomplete, coverage, people, trees

app_name = "org"


def _tree_urls(tree: str) -> list:
    """The same pages for both trees, named unit_* and place_*."""
    prefix = f"{tree}s/"
    kwargs = {"tree": tree}
    return [
        path(prefix, trees.tree, kwargs, name=f"{tree}_tree"),
        path(f"{prefix}new/", trees.create, kwargs, name=f"{tree}_create"),
        path(f"{prefix}<int:pk>/", trees.detail, kwargs, name=f"{tree}_detail"),
        path(f"{prefix}<int:pk>/children/", trees.children, kwargs, name=f"{tree}_children"),
        path(f"{prefix}<int:pk>/edit/", trees.edit, kwargs, name=f"{tree}_edit"),
        path(f"{prefix}<int:pk>/move/", trees.move, kwargs, name=f"{tree}_move"),
        path(f"{prefix}<int:pk>/archive/", trees.archive, kwargs, name=f"{tree}_archive"),
        path(f"{prefix}<int:pk>/restore/", trees.restore, kwargs, name=f"{tree}_restore"),
        path(f"{prefix}<int:pk>/delete/", trees.delete, kwargs, name=f"{tree}_delete"),
        path(f"{prefix}<int:pk>/history/", trees.history, kwargs, name=f"{tree}_history"),
    ]


urlpatterns = [
    *_tree_urls("unit"),
    *_tree_urls("place"),
    path("students/", people.student_list, name="student_list"),
    path("students/new/", people.student_create, name="student_create"),
    path("students/<int:pk>/", people.student_detail, name="student_detail"),
    path("students/<int:pk>/edit/", people.student_edit, name="student_edit"),
    path("students/<int:pk>/reveal/", people.student_reveal, name="student_reveal"),
    path("students/<int:pk>/account/", people.student_link_user, name="student_link_user"),
    path("students/<int:pk>/photo.jpg", people.student_photo, name="student_photo"),
    path("students/<int:pk>/photo/", people.student_photo_upload, name="student_photo_upload"),
    path("students/<int:pk>/photo/remove/", people.student_photo_remove, name="student_photo_remove"),
    path("staff/", people.staff_list, name="staff_list"),
    path("staff/new/", people.staff_create, name="staff_create"),
    path("staff/<int:pk>/", people.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", people.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/reveal/", people.staff_reveal, name="staff_reveal"),
    path("staff/<int:pk>/account/", people.staff_link_user, name="staff_link_user"),
    path("staff/<int:pk>/photo.jpg", people.staff_photo, name="staff_photo"),
    path("staff/<int:pk>/photo/", people.staff_photo_upload, name="staff_photo_upload"),
    path("staff/<int:pk>/photo/remove/", people.staff_photo_remove, name="staff_photo_remove"),
    path("assignments/", assignments.assignment_list, name="assignment_list"),
    path("assignments/new/", assignments.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/", assignments.assignment_handover, name="assignment_handover"),
    path("assignments/<int:pk>/end/", assignments.assignment_end, name="assignment_end"),
    path("coverage/", coverage.coverage, name="coverage"),
    path("coverage/export/", coverage.coverage_export, name="coverage_export"),
    path("autocomplete/staff/", autocomplete.staff, name="ac_staff"),
    path("autocomplete/students/", autocomplete.students, name="ac_students"),
    path("autocomplete/units/", autocomplete.units, name="ac_units"),
    path("autocomplete/places/", autocomplete.places, name="ac_places"),
    # Spreadsheet imports live in their own module (org:import*).
    path("import/", include("fangxian.org.urls_import")),
]
