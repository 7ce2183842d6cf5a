from django.urls import path

from .views import applications, approvals, corrections, counselor, entries, lists, move_plans, periods

app_name = "ledger"

urlpatterns = [
    path("", lists.ledger_list, name="list"),
    path("export/", lists.ledger_export, name="export"),
    path("import/", lists.ledger_import, name="import"),
    path("import/batches/<int:pk>/undo/", lists.ledger_import_undo, name="import_undo"),
    path("one-to-one/fill/", lists.one_to_one_fill, name="one_to_one_fill"),
    path("apply/", applications.apply, name="apply"),
    path("apply/<int:pk>/withdraw/", applications.withdraw, name="withdraw"),
    path("mine/", counselor.mine, name="mine"),
    path("register/", applications.register, name="register"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("approvals/<int:pk>/", approvals.review, name="review"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry"),
    path("entries/<int:pk>/status/", counselor.entry_status, name="entry_status"),
    path("entries/<int:pk>/tags/", entries.entry_tag, name="entry_tag"),
    path("entries/<int:pk>/reveal/", entries.entry_reveal, name="entry_reveal"),
    path("entries/<int:pk>/one-to-one/", entries.entry_one_to_one, name="entry_one_to_one"),
    path("entries/<int:pk>/correct/", corrections.entry_correct, name="entry_correct"),
    path("entries/<int:pk>/cancel/", corrections.entry_cancel, name="entry_cancel"),
    path("periods/", periods.periods, name="periods"),
    path("moves/", move_plans.move_plans, name="moves"),
    path("moves/<int:pk>/", move_plans.move_plan, name="move_plan"),
    path("moves/<int:pk>/print/", move_plans.move_print, name="move_print"),
]
