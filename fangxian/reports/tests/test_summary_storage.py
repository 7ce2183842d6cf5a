"""Generating a day's summary again keeps the new files (it deleted them, so every
download of that day answered 500), on the filesystem and in the database storage that
every node shares."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fangxian.reports.models import DailySummary

DATABASE_STORAGE = {"BACKEND": "fangxian.core.storage.DatabaseStorage"}


@pytest.fixture(params=["filesystem", "database"])
def file_storage(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    if request.param == "database":
        settings.STORAGES = {**settings.STORAGES, "default": DATABASE_STORAGE}
    return request.param


def test_generating_a_summary_twice_keeps_the_new_files(
    file_storage, verified_client, office, rep, django_capture_on_commit_callbacks, settings
):
    settings.FANGXIAN_RATE_LIMITS = {"export_minute": (100, 60)}  # seven downloads in a second: not what this tests
    client = verified_client(office)
    day = timezone.localdate().isoformat()
    names = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("reports:summary_generate"), {"day": day}).status_code == 302
        summary = DailySummary.objects.get()
        names.append((summary.xlsx.name, summary.docx.name))
        for kind in ("xlsx", "docx"):
            response = client.get(reverse("reports:summary_download", args=[day, kind]))
            assert response.status_code == 200
            content = response.content
            assert content[:2] == b"PK"
        load_workbook(io.BytesIO(client.get(reverse("reports:summary_download", args=[day, "xlsx"])).content))
    # The files of earlier runs are gone, those of the last run are there.
    # (a name freed by a deletion may be given again within the same second)
    earlier = {name for pair in names[:-1] for name in pair} - set(names[-1])
    assert not any(default_storage.exists(name) for name in earlier)
    assert all(default_storage.exists(name) for name in names[-1])
    assert len(default_storage.listdir(f"reports/summaries/{day[:4]}")[1]) == 2
    if file_storage == "database":
        from fangxian.core.models import StoredFile

        assert set(StoredFile.objects.values_list("name", flat=True)) == set(names[-1])
