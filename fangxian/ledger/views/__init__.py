"""Pages of the stay ledger, one module per feature: the student's application and a
counselor's registration, approvals, the counselor's phone view, the office's list,
one student's entry, periods and categories, dorm moves. Thin: they read through
selectors (scoped, 404 outside the scope) and write through services; read-only roles
(school leaders, discipline inspection) get 403 on every write."""
