"""The lab's result file (检测结果), in the lab's own column shape: which column holds the
tube number (or the ID number) and which the result is mapped once per lab (LabMapping)
and remembered. All-or-nothing like every import (fangxian.core.importing); the same file
again changes nothing; an abnormal or positive tube reaches the office and the one-to-one
staff of everyone in it within the import's transaction."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.core.importing import ID_NUMBER, IDENTIFIER, Column, Importer, ImportReport, Row, RowError

from . import services
from .models import FLAGGED, LabMapping, Member, Result, ResultImport, Round, Sample, Tube

# How labs write results; compared after removing spaces, case-insensitive.
RESULT_WORDS = {
    Result.NEGATIVE: ("阴性", "阴", "-", "negative", "neg", "n", "未检出"),
    Result.POSITIVE: ("阳性", "阳", "+", "positive", "pos", "p", "检出"),
    Result.ABNORMAL: ("异常", "可疑", "待复核", "复核", "abnormal", "suspect", "无效", "不合格"),
}
_WORD = {word: value for value, words in RESULT_WORDS.items() for word in words}
CHUNK = 900  # ids per IN (…) (SQLite's variable limit is 999 on old builds)


def parse_result(text: str) -> str | None:
    return _WORD.get("".join(str(text).split()).lower())


class ResultImporter(Importer):
    name = "screening_results"
    title = gettext_lazy("Screening results")
    has_template = False

    def __init__(self, *, user=None, round: Round, mapping: LabMapping):
        super().__init__(user=user)
        self.round, self.mapping = round, mapping
        by_tube = mapping.key_kind == LabMapping.Key.TUBE
        self.columns = [
            Column(
                "key",
                mapping.key_header,
                kind=IDENTIFIER if by_tube else ID_NUMBER,
                required=True,
                max_length=40,
                aliases=("试管号", "管号", "样本编号", "条码号") if by_tube else ("身份证号", "证件号码", "身份证号码"),
            ),
            Column("result", mapping.result_header, required=True, max_length=20, aliases=("检测结果", "结果")),
        ]
        self.flagged: list[Tube | Sample] = []

    def validate(self, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        seen: dict[str, tuple[int, str]] = {}
        keep: list[Row] = []
        for row in rows:
            result = parse_result(row["result"])
            if result is None:
                errors.append(
                    self.error(row, "result", _("“%(value)s” is not a result: write 阴性, 阳性 or 异常.") % {"value": row["result"]})
                )
                continue
            row.values["result"] = result
            key = str(row["key"]).upper()
            row.values["key"] = key
            if key in seen:
                first, first_result = seen[key]
                if first_result != result:
                    errors.append(self.error(row, "key", _("Contradicts row %(row)s (another result for the same key).") % {"row": first}))
                else:
                    self._notes.append(_("Row %(row)s repeats row %(first)s and was counted once.") % {"row": row.number, "first": first})
                row.values["duplicate"] = True
                continue
            seen[key] = (row.number, result)
            keep.append(row)
        if self.mapping.key_kind == LabMapping.Key.TUBE:
            errors += self._check_tubes(keep)
        else:
            errors += self._check_people(keep)
        return errors

    def _check_tubes(self, rows: list[Row]) -> list[RowError]:
        errors = []
        keys = [row["key"] for row in rows]
        tubes = {}
        for start in range(0, len(keys), CHUNK):
            for number, pk, round_id, round_name, result in Tube.objects.filter(number__in=keys[start : start + CHUNK]).values_list(
                "number", "pk", "round_id", "round__name", "result"
            ):
                tubes[number] = (pk, round_id, round_name, result)
        for row in rows:
            found = tubes.get(row["key"])
            if found is None:
                errors.append(self.error(row, "key", _("No tube %(number)s was sampled in this round.") % {"number": row["key"]}))
            elif found[1] != self.round.pk:
                errors.append(
                    self.error(
                        row,
                        "key",
                        _("The tube %(number)s belongs to another round (%(round)s).") % {"number": row["key"], "round": found[2]},
                    )
                )
            else:
                row.values["target"] = (found[0], found[3])
        return errors

    def _check_people(self, rows: list[Row]) -> list[RowError]:
        errors = []
        members = Member.objects.filter(round=self.round)
        by_id: dict[str, tuple[int, int | None, str | None]] = {}
        for id_number, sample_id, result in members.filter(student__isnull=False).values_list(
            "student__id_number", "sample__pk", "sample__result"
        ):
            if id_number:
                by_id[id_number.upper()] = (sample_id, result)
        for id_number, sample_id, result in members.filter(staff__isnull=False).values_list(
            "staff__id_number", "sample__pk", "sample__result"
        ):
            if id_number:
                by_id.setdefault(id_number.upper(), (sample_id, result))
        for row in rows:
            found = by_id.get(row["key"])
            if found is None:
                errors.append(self.error(row, "key", _("Nobody with this ID number is among the people of this round.")))
            elif found[0] is None:
                errors.append(self.error(row, "key", _("This person has no sampling in this round.")))
            else:
                row.values["target"] = found
        return errors

    def apply(self, rows: list[Row]) -> tuple[int, int, int]:
        name, _size, digest = getattr(self, "_file", ("", 0, ""))
        rows = [row for row in rows if not row.get("duplicate")]
        earlier = ResultImport.objects.filter(round=self.round, file_sha256=digest).first() if digest else None
        if earlier is not None:
            self._notes.append(
                _("This file was imported on %(at)s already; nothing was changed.")
                % {"at": timezone.localtime(earlier.at).strftime("%Y-%m-%d %H:%M")}
            )
            return 0, 0, len(rows)
        now = timezone.now()
        changed = 0
        by_result: dict[str, list[int]] = {}
        for row in rows:
            pk, current = row["target"]
            if current != row["result"]:
                by_result.setdefault(row["result"], []).append(pk)
        by_tube = self.mapping.key_kind == LabMapping.Key.TUBE
        for result, ids in sorted(by_result.items()):
            if result in FLAGGED:
                changed += self._flag(ids, result, now, by_tube=by_tube)
            else:
                self._write(ids, result, now, by_tube=by_tube)
                changed += len(ids)
        ResultImport.objects.create(
            round=self.round,
            lab=self.mapping.lab,
            file_name=name,
            file_sha256=digest or self.batch,
            rows=len(rows),
            changed=changed,
            flagged=len(self.flagged),
            by=self.user if getattr(self.user, "pk", None) else None,
            at=now,
        )
        LabMapping.objects.filter(pk=self.mapping.pk).update(used_at=now)
        return 0, changed, len(rows) - changed

    def _write(self, ids: list[int], result: str, now, *, by_tube: bool) -> None:
        """Ordinary results in bulk: one prepared UPDATE per row (executemany), as fast as
        the database takes them; the rows were checked in `validate` (and their current
        result differs), inside the import's transaction."""
        qn = connection.ops.quote_name
        tube, sample = qn(Tube._meta.db_table), qn(Sample._meta.db_table)
        at = connection.ops.adapt_datetimefield_value(now)
        set_tube = f"UPDATE {tube} SET result = %s, result_at = %s WHERE "  # noqa: S608  (identifiers only)
        set_sample = f"UPDATE {sample} SET result = %s WHERE "  # noqa: S608  (identifiers only)
        with connection.cursor() as cursor:
            if by_tube:
                cursor.executemany(set_tube + "id = %s", [(result, at, pk) for pk in ids])
                cursor.executemany(set_sample + "tube_id = %s", [(result, pk) for pk in ids])
                return
            cursor.executemany(set_sample + "id = %s", [(result, pk) for pk in ids])
            if Tube.objects.filter(round=self.round, capacity=1).exists():
                # A single tube's result is its one person's.
                one = f"capacity = 1 AND id = (SELECT tube_id FROM {sample} WHERE id = %s)"  # noqa: S608  (identifiers only)
                cursor.executemany(set_tube + one, [(result, at, pk) for pk in ids])

    def _flag(self, ids: list[int], result: str, now, *, by_tube: bool) -> int:
        """Abnormal and positive results one by one: the conditional update decides who
        sends the notice, so two imports at once notify once."""
        changed = 0
        for pk in ids:
            if by_tube:
                if not Tube.objects.filter(pk=pk).exclude(result=result).update(result=result, result_at=now):
                    continue
                Sample.objects.filter(tube_id=pk).update(result=result)
                tube = Tube.objects.select_related("round", "place").get(pk=pk)
                services.tube_flagged(tube=tube, by=self.user)
                self.flagged.append(tube)
            else:
                if not Sample.objects.filter(pk=pk).exclude(result=result).update(result=result):
                    continue
                sample = Sample.objects.select_related("tube__round", "tube__place", "member").get(pk=pk)
                services.person_flagged(sample=sample, by=self.user)
                self.flagged.append(sample)
            changed += 1
        return changed

    def after_apply(self, report: ImportReport) -> None:
        super().after_apply(report)
