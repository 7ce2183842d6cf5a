"""The test suite's own promise: every test that uses the database starts from it as
migrated, even after a transactional test emptied every table (which happens in any order
on the workers of a parallel run)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from fangxian.reports.models import ReportForm
from fangxian.testing import restore_migrated_database


@pytest.mark.django_db(transaction=True)
def test_the_rows_migrations_ship_come_back_after_the_tables_were_emptied(request):
    shipped = sorted(ReportForm.objects.values_list("code", flat=True))
    assert "college-daily" in shipped
    content_types = sorted(ContentType.objects.values_list("pk", "app_label", "model"))
    permissions = Permission.objects.count()

    ReportForm.objects.all().delete()  # what the flush at the end of a transactional test does
    restore_migrated_database(request.config)

    assert sorted(ReportForm.objects.values_list("code", flat=True)) == shipped
    # Under the same ids as migrated, and the cache that maps models to them agrees.
    assert sorted(ContentType.objects.values_list("pk", "app_label", "model")) == content_types
    assert Permission.objects.count() == permissions
    assert ContentType.objects.get_for_model(ReportForm).pk == ContentType.objects.get(app_label="reports", model="reportform").pk
