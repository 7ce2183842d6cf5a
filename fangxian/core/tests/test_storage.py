"""The database storage: files every node sees, written in the caller's transaction."""

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from fangxian.core.models import StoredFile
from fangxian.core.storage import DatabaseStorage

pytestmark = pytest.mark.django_db


def test_save_open_list_and_delete():
    storage = DatabaseStorage()
    name = storage.save("photos/a.jpg", ContentFile(b"\xff\xd8jpeg"))
    assert name == "photos/a.jpg"
    again = storage.save("photos/a.jpg", ContentFile(b"other"))
    assert again != name and again.startswith("photos/a_")  # never overwritten
    other_node = DatabaseStorage()  # another process sees the same file
    with other_node.open(name) as handle:
        assert handle.read() == b"\xff\xd8jpeg"
    assert other_node.size(name) == 6 and other_node.exists(name)
    assert other_node.listdir("photos") == ([], sorted(["a.jpg", again.split("/")[1]]))
    assert other_node.listdir("") == (["photos"], [])
    other_node.delete(name)
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.open(name)


def test_a_file_saved_in_a_transaction_that_rolls_back_is_gone():
    storage = DatabaseStorage()
    with pytest.raises(RuntimeError), transaction.atomic():
        storage.save("summaries/x.xlsx", ContentFile(b"PK..."))
        raise RuntimeError("the row naming it failed")
    assert not StoredFile.objects.exists()


def test_checksum_is_kept():
    import hashlib

    DatabaseStorage().save("a.bin", ContentFile(b"abc"))
    assert StoredFile.objects.get().sha256 == hashlib.sha256(b"abc").hexdigest()
