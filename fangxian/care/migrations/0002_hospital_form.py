"""A new version of the shipped 附属医院日报 (hospital-daily, valid from 2022-07-15, the day
after notice No. 5), so that the hospital reports what point 十 asks: outpatients,
admissions and staff on duty; the fever clinic's visits by this school's students,
pre-filled from care's fever referrals; and the infection-control (院感) status as a choice.

The old version stays for the days before, and every submission keeps the version it was
filled in. Written out here (not imported) so that the migration keeps meaning the same.
(The college's form is the office's to change: care offers the pre-fill sources
care.meals.ratings and care.meals.complaints for it, and the demo adds them.)"""

import copy
from datetime import date

from django.db import migrations

VALID_FROM = date(2022, 7, 15)
NOTE = "附属医院日报：补充门诊、住院、在岗人员和院感防控状态（通知第十条）"


def integer(key, label, **extra):
    return {"key": key, "label": label, "type": "integer", "min": 0, **extra}


def _section(schema, key):
    return next((s for s in schema["sections"] if s.get("key") == key), None)


def _add(section, field):
    if section is not None and all(f.get("key") != field["key"] for f in section["fields"]):
        section["fields"].append(field)


def hospital(schema):
    sections = schema["sections"]
    if _section(schema, "operation") is None:
        sections.insert(
            0,
            {
                "key": "operation",
                "title": "医院运行",
                "zero": False,
                "fields": [
                    integer("outpatients", "门诊人次", required=True, unit="人次"),
                    integer("admissions", "入院人数", required=True, unit="人"),
                    integer("staff_on_duty", "在岗职工人数", required=True, unit="人"),
                ],
            },
        )
    _add(_section(schema, "fever_clinic"), integer("students", "本校学生转诊就诊人数", unit="人", prefill="care.fever.referrals"))
    _add(
        _section(schema, "infection_control"),
        {"key": "status", "label": "院感防控状态", "type": "choice", "choices": ["正常", "存在风险", "发生院感事件"]},
    )
    return schema


CHANGES = {"hospital-daily": hospital}


def forward(apps, schema_editor):
    ReportForm = apps.get_model("reports", "ReportForm")
    FormVersion = apps.get_model("reports", "FormVersion")
    for code, change in CHANGES.items():
        form = ReportForm.objects.filter(code=code).first()
        if form is None or FormVersion.objects.filter(form=form, valid_from__gte=VALID_FROM).exists():
            continue  # removed, or already changed by the office: theirs stands
        latest = FormVersion.objects.filter(form=form).order_by("-valid_from", "-number").first()
        if latest is None:
            continue
        number = (FormVersion.objects.filter(form=form).order_by("-number").values_list("number", flat=True).first() or 0) + 1
        FormVersion.objects.create(form=form, number=number, valid_from=VALID_FROM, schema=change(copy.deepcopy(latest.schema)), note=NOTE)


def backward(apps, schema_editor):
    FormVersion = apps.get_model("reports", "FormVersion")
    FormVersion.objects.filter(form__code__in=list(CHANGES), valid_from=VALID_FROM, note=NOTE, submissions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial"), ("reports", "0002_ship_default_forms")]

    operations = [migrations.RunPython(forward, backward)]
