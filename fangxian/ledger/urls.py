from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.ledger_list, name="list"),
    path("export/", views.ledger_export, name="export"),
    path("import/", views.ledger_import, name="import"),
    path("one-to-one/fill/", views.one_to_one_fill, name="one_to_one_fill"),
    path("apply/", views.apply, name="apply"),
    path("apply/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("mine/", views.mine, name="mine"),
    path("register/", views.register, name="register"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.review, name="review"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/status/", views.entry_status, name="entry_status"),
    path("entries/<int:pk>/tags/", views.entry_tag, name="entry_tag"),
    path("entries/<int:pk>/one-to-one/", views.entry_one_to_one, name="entry_one_to_one"),
    path("periods/", views.periods, name="periods"),
    path("moves/", views.move_plans, name="moves"),
    path("moves/<int:pk>/", views.move_plan, name="move_plan"),
    path("moves/<int:pk>/print/", views.move_print, name="move_print"),
]
