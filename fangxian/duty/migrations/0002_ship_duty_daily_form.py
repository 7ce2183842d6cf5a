"""Ship the daily epidemic information report (疫情信息日报) of the units on duty as a form of
the reports app, pre-filled from the day's roster, check-ins, duty log and pings (the sources
duty/providers.py registers). Written out here, not imported, so that the migration keeps
meaning the same thing whatever the app's code becomes."""

from datetime import date, time

from django.db import migrations

CODE = "duty-daily"


def integer(key, label, **extra):
    return {"key": key, "label": label, "type": "integer", "min": 0, **extra}


SCHEMA = {
    "sections": [
        {
            "key": "onpost",
            "title": "值班到岗",
            "zero": False,
            "fields": [
                integer("posts", "应到岗人次", required=True, prefill="duty.posts", unit="人次"),
                integer("checked_in", "已到岗签到人次", required=True, prefill="duty.checked_in", unit="人次"),
                integer("missed", "未到岗签到人次", required=True, prefill="duty.not_checked_in", unit="人次"),
                integer("unanswered", "在岗抽查未应答", prefill="duty.pings_unanswered", unit="人次"),
            ],
        },
        {
            "key": "epidemic",
            "title": "疫情信息",
            "fields": [
                integer("fever", "发热人员", required=True, unit="人"),
                integer("positive", "阳性人员", required=True, unit="人"),
                integer("close_contact", "密切接触者", required=True, unit="人"),
                integer("incidents", "突发事件", required=True, unit="起"),
                {"key": "details", "label": "情况说明", "type": "text"},
            ],
        },
        {
            "key": "log",
            "title": "值班日志",
            "fields": [
                integer("entries", "值班日志条数", prefill="duty.log_entries", unit="条"),
                {"key": "summary", "label": "值班情况摘要", "type": "text"},
            ],
        },
    ]
}


def ship(apps, schema_editor):
    ReportForm = apps.get_model("reports", "ReportForm")
    FormVersion = apps.get_model("reports", "FormVersion")
    if ReportForm.objects.filter(code=CODE).exists():
        return
    form = ReportForm.objects.create(
        code=CODE,
        name="疫情信息日报",
        description="值班人员每日向学校防控办报告值班到岗、疫情信息和值班情况（通知第九条：认真做好疫情信息日报）。",
        frequency="daily",
        starts_on=date(2022, 7, 1),
        deadline=time(9, 0),
        unit_kinds=["college", "hospital"],
        unit_codes=["security"],
        sort_order=50,
    )
    FormVersion.objects.create(form=form, number=1, valid_from=date(2022, 7, 1), schema=SCHEMA, note="随系统提供的初始版本")


def unship(apps, schema_editor):
    ReportForm = apps.get_model("reports", "ReportForm")
    ReportForm.objects.filter(code=CODE, submissions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("duty", "0001_initial"), ("reports", "0005_reminders_move_to_deadlines")]

    operations = [migrations.RunPython(ship, unship)]
