"""Files every node shares: a Django storage that keeps them in the database.

Chosen by FANGXIAN_FILE_STORAGE (settings): `database` (the default on PostgreSQL: then
`pg_dump` holds everything, and a file is written in the same transaction as the row that
names it), `filesystem` (MEDIA_ROOT: one machine, or a shared mount), or `s3` (S3-compatible
object storage through django-storages, for large installs). Fangxian's files are small
(photos of a few hundred KB, daily summaries, error workbooks); each is read whole.
"""

from __future__ import annotations

import hashlib
import posixpath

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible


@deconstructible(path="fangxian.core.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    """Files as rows of core.StoredFile. Names are unique; never served by a URL (views
    that check scope stream them, as before)."""

    @staticmethod
    def _model():
        from .models import StoredFile

        return StoredFile

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("DatabaseStorage files are written with save(), not opened for writing")
        row = self._model().objects.filter(name=name).values_list("content", flat=True).first()
        if row is None:
            raise FileNotFoundError(name)
        data = bytes(row)
        return ContentFile(data if "b" in mode else data.decode(), name=name)

    def _save(self, name, content):
        if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
            content.seek(0)
        data = b"".join(content.chunks()) if hasattr(content, "chunks") else content.read()
        if isinstance(data, str):
            data = data.encode()
        try:
            # A savepoint: a name taken meanwhile must not break the caller's transaction.
            with transaction.atomic():
                self._model().objects.create(name=name, content=data, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        except IntegrityError as exc:
            raise FileExistsError(name) from exc
        return name

    def delete(self, name):
        if name:
            self._model().objects.filter(name=name).delete()

    def exists(self, name):
        return self._model().objects.filter(name=name).exists()

    def size(self, name):
        size = self._model().objects.filter(name=name).values_list("size", flat=True).first()
        if size is None:
            raise FileNotFoundError(name)
        return size

    def listdir(self, path):
        prefix = path.rstrip("/") + "/" if path else ""
        dirs, files = set(), []
        for name in self._model().objects.filter(name__startswith=prefix).values_list("name", flat=True):
            rest = name[len(prefix) :]
            if "/" in rest:
                dirs.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(dirs), sorted(files)

    def get_created_time(self, name):
        created = self._model().objects.filter(name=name).values_list("created_at", flat=True).first()
        if created is None:
            raise FileNotFoundError(name)
        return created

    get_modified_time = get_created_time

    def path(self, name):
        raise NotImplementedError("files kept in the database have no path on disk")

    def url(self, name):
        raise NotImplementedError("files kept in the database are served by the views that check scope")

    def get_available_name(self, name, max_length=None):
        name = posixpath.normpath(name).lstrip("/")
        return super().get_available_name(name, max_length=max_length)
