"""Photos of students and staff in a ZIP archive, one file per person named by their number."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import Column, Importer, ImportOptions, ImportReport, RowError

from .. import photos, selectors
from ..access import PEOPLE_WRITERS
from ..models import Staff, Student
from .common import BATCH, default_institution


class _PhotoImporter(Importer):
    """Photos in a ZIP archive, one file per person named by their number (2021001.jpg, in
    any folder). All-or-nothing like the spreadsheets: every photo is decoded and cleaned
    (photos.prepare) before anything is stored; any bad entry refuses the whole archive with
    "entry name · problem". A college admin may import the photos of their own college."""

    model: ClassVar[type[Student] | type[Staff]]
    number_field: ClassVar[str]
    columns: ClassVar[list[Column]] = []
    roles: ClassVar[frozenset[str]] = PEOPLE_WRITERS
    file_label = gettext_lazy("ZIP file of photos (.zip)")
    accept = ".zip,application/zip,application/x-zip-compressed"
    missing_file = gettext_lazy("Choose a .zip file to upload.")
    has_template = False
    page_template = "org/import/photos.html"
    limits: ClassVar[dict[str, int]] = {"photos": photos.ARCHIVE_MAX_PHOTOS, "megabytes": photos.ARCHIVE_MAX_BYTES // (1024 * 1024)}
    example: ClassVar[str]
    visible: ClassVar[Callable]  # selector: user → the people they may see
    unknown: ClassVar  # message for a number outside them, with %(number)s

    def people(self, numbers: set[str]) -> dict[str, tuple[int, str]]:
        """The people of these numbers whom the uploader may change: number → (pk, photo)."""
        institution = default_institution()
        visible = self.visible(self.user).filter(institution=institution) if institution else self.model.objects.none()
        return {
            number: (pk, photo)
            for number, pk, photo in visible.filter(**{f"{self.number_field}__in": numbers}).values_list(self.number_field, "pk", "photo")
        }

    def run(self, upload, *, dry_run: bool = False, options: ImportOptions | None = None) -> ImportReport:
        report = ImportReport(title=str(self.title), dry_run=dry_run)
        try:
            archive, entries = photos.open_archive(upload)
        except ValidationError as exc:
            report.errors.append(RowError(0, "", exc.messages[0]))
            return report
        report.rows = len(entries)
        people = self.people({entry.number for entry in entries})
        seen: dict[str, str] = {}
        cleaned: list[tuple[int, str, bytes]] = []  # (pk, old photo, new JPEG)
        with archive:
            for entry in sorted(entries, key=lambda e: e.name):
                problem = None
                if entry.extension in photos.EXTENSIONS:  # other files are refused by read_entry
                    if entry.number not in people:
                        problem = self.unknown % {"number": entry.number}
                    elif entry.number in seen:
                        problem = _("Another file is for the same person: %(other)s.") % {"other": seen[entry.number]}
                    seen.setdefault(entry.number, entry.name)
                try:
                    data = photos.read_entry(archive, entry)
                except ValidationError as exc:
                    problem = problem or exc.messages[0]
                if problem:
                    report.errors.append(RowError(0, entry.name, problem))
                elif not report.errors:
                    cleaned.append((*people[entry.number], data))
        if report.errors or dry_run:
            return report
        self.store(cleaned, report)
        return report

    def store(self, cleaned: list[tuple[int, str, bytes]], report: ImportReport) -> None:
        """Write the files, then point the people at them in one transaction with the audit
        event. If anything fails, the new files are deleted; the old ones go after the commit."""
        storage = self.model._meta.get_field("photo").storage
        written: list[str] = []
        try:
            for _pk, _old, data in cleaned:
                written.append(storage.save(photos.new_name(), ContentFile(data)))
            with transaction.atomic():
                stored = [(pk, old, name) for (pk, old, _data), name in zip(cleaned, written, strict=True)]
                report.created, report.updated, report.unchanged = self.apply(stored)
                self.after_apply(report)
        except BaseException:
            for name in written:
                storage.delete(name)
            raise
        old_names = [old for _pk, old, _data in cleaned if old]

        def delete_replaced() -> None:
            for name in old_names:
                storage.delete(name)

        transaction.on_commit(delete_replaced)

    def apply(self, rows: list[tuple[int, str, str]]) -> tuple[int, int, int]:
        """Point each person (pk, old photo) at their new file: (created, updated, 0)."""
        self.model.objects.bulk_update([self.model(pk=pk, photo=name) for pk, _old, name in rows], ["photo"], batch_size=BATCH)
        created = sum(1 for _pk, old, _name in rows if not old)
        return created, len(rows) - created, 0


class StudentPhotoImporter(_PhotoImporter):
    name = "student_photos"
    title = gettext_lazy("Student photos")
    description = gettext_lazy("A ZIP file of photos named by student number, such as 2021001.jpg.")
    model = Student
    number_field = "student_number"
    example = "2021001.jpg"
    visible = staticmethod(selectors.visible_students)
    unknown = gettext_lazy("No student with the number %(number)s among the students you may change.")


class StaffPhotoImporter(_PhotoImporter):
    name = "staff_photos"
    title = gettext_lazy("Staff photos")
    description = gettext_lazy("A ZIP file of photos named by staff number, such as HX00001.jpg.")
    model = Staff
    number_field = "staff_number"
    example = "HX00001.jpg"
    visible = staticmethod(selectors.visible_staff)
    unknown = gettext_lazy("No staff member with the number %(number)s among the staff you may change.")
