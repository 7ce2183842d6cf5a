"""Ship the four daily forms the notice asks for, so that reporting works on first run:
学院日报 (colleges), 附属医院日报 (the affiliated hospital), 后勤日报 (logistics, unit code
"logistics") and 安稳部日报 (the security office, unit code "security").

The definitions are written out here, not imported, so that this migration keeps meaning
the same thing whatever the app's code becomes."""

from datetime import date, time

from django.db import migrations


def integer(key, label, **extra):
    return {"key": key, "label": label, "type": "integer", "min": 0, **extra}


def text(key, label, **extra):
    return {"key": key, "label": label, "type": "text", **extra}


def yesno(key, label, **extra):
    return {"key": key, "label": label, "type": "yesno", "required": True, **extra}


def choice(key, label, choices, **extra):
    return {"key": key, "label": label, "type": "choice", "choices": choices, **extra}


OTHER = {"key": "other", "title": "其他", "fields": [text("note", "其他需要报告的事项")]}

FORMS = [
    {
        "code": "college-daily",
        "name": "学院日报",
        "description": "二级学院每日向学校防控办报告学生人数、安全稳定、餐饮保障、思想动态等情况（通知第三条）。",
        "unit_kinds": ["college"],
        "unit_codes": [],
        "sort_order": 10,
        "schema": {
            "sections": [
                {
                    "key": "headcount",
                    "title": "在校学生人数",
                    "zero": False,
                    "fields": [
                        integer("total", "在校学生总数", required=True, prefill="ledger.headcount.total", unit="人"),
                        integer("male", "其中男生", required=True, prefill="ledger.headcount.male", unit="人"),
                        integer("female", "其中女生", required=True, prefill="ledger.headcount.female", unit="人"),
                    ],
                    "sums": [{"total": "total", "parts": ["male", "female"]}],
                },
                {
                    "key": "safety",
                    "title": "安全稳定",
                    "fields": [integer("incidents", "安全稳定事件数", required=True, unit="起"), text("details", "情况说明")],
                },
                {
                    "key": "catering",
                    "title": "餐饮保障",
                    "fields": [yesno("problem", "是否存在餐饮保障问题"), integer("complaints", "学生反映问题数", unit="条")],
                },
                {
                    "key": "mood",
                    "title": "思想动态",
                    "fields": [yesno("attention", "是否有需要重点关注的学生"), integer("students", "需重点关注学生人数", unit="人")],
                },
                OTHER,
            ]
        },
    },
    {
        "code": "hospital-daily",
        "name": "附属医院日报",
        "description": "附属医院每日报告发热门诊、院感防控和防疫物资情况（通知第十条）。",
        "unit_kinds": ["hospital"],
        "unit_codes": [],
        "sort_order": 20,
        "schema": {
            "sections": [
                {
                    "key": "fever_clinic",
                    "title": "发热门诊",
                    "zero": False,
                    "fields": [
                        integer("visits", "就诊人数", required=True, unit="人"),
                        integer("tested", "核酸检测人数", required=True, unit="人"),
                        integer("positive", "阳性人数", required=True, unit="人"),
                        integer("referred", "转诊人数", unit="人"),
                    ],
                },
                {
                    "key": "infection_control",
                    "title": "院感防控",
                    "fields": [yesno("incident", "是否发生院感事件"), integer("staff_tested", "职工核酸检测人数", unit="人")],
                },
                {
                    "key": "supplies",
                    "title": "防疫物资",
                    "fields": [choice("state", "物资储备", ["充足", "紧张", "短缺"], required=True), integer("n95", "N95口罩库存", unit="只")],
                },
                OTHER,
            ]
        },
    },
    {
        "code": "logistics-daily",
        "name": "后勤日报",
        "description": "后勤部门每日报告餐饮供应和食品安全检查情况（通知第四、八条）。",
        "unit_kinds": [],
        "unit_codes": ["logistics"],
        "sort_order": 30,
        "schema": {
            "sections": [
                {
                    "key": "meals",
                    "title": "餐饮供应",
                    "zero": False,
                    "fields": [
                        integer("breakfast", "早餐供应人次", required=True, unit="人次"),
                        integer("lunch", "午餐供应人次", required=True, unit="人次"),
                        integer("dinner", "晚餐供应人次", required=True, unit="人次"),
                    ],
                },
                {
                    "key": "food_safety",
                    "title": "食品安全检查",
                    "fields": [
                        integer("checks", "检查次数", required=True, unit="次"),
                        yesno("problems", "是否发现问题"),
                        choice("samples", "食品留样", ["完整", "不完整"], required=True),
                    ],
                },
                OTHER,
            ]
        },
    },
    {
        "code": "security-daily",
        "name": "安稳部日报",
        "description": "安稳部每日报告校门管理数据和突发事件（通知第五、九条）。",
        "unit_kinds": [],
        "unit_codes": ["security"],
        "sort_order": 40,
        "schema": {
            "sections": [
                {
                    "key": "gates",
                    "title": "校门管理",
                    "zero": False,
                    "fields": [
                        integer("people_in", "进校人员", required=True, unit="人次"),
                        integer("vehicles_in", "进校车辆", required=True, unit="辆次"),
                        integer("visitors", "登记访客", required=True, unit="人"),
                        integer("turned_back", "劝返人数", required=True, unit="人"),
                    ],
                },
                {
                    "key": "incidents",
                    "title": "突发事件",
                    "fields": [yesno("occurred", "是否发生突发事件"), integer("count", "事件数量", unit="起")],
                },
                {
                    "key": "patrol",
                    "title": "安全巡查",
                    "fields": [integer("rounds", "巡查次数", required=True, unit="次"), yesno("hazards", "是否发现安全隐患")],
                },
                OTHER,
            ]
        },
    },
]


def ship(apps, schema_editor):
    ReportForm = apps.get_model("reports", "ReportForm")
    FormVersion = apps.get_model("reports", "FormVersion")
    for spec in FORMS:
        if ReportForm.objects.filter(code=spec["code"]).exists():
            continue
        form = ReportForm.objects.create(
            code=spec["code"],
            name=spec["name"],
            description=spec["description"],
            frequency="daily",
            starts_on=date(2022, 7, 1),
            deadline=time(10, 0),
            unit_kinds=spec["unit_kinds"],
            unit_codes=spec["unit_codes"],
            sort_order=spec["sort_order"],
        )
        FormVersion.objects.create(form=form, number=1, valid_from=date(2022, 7, 1), schema=spec["schema"], note="随系统提供的初始版本")


def unship(apps, schema_editor):
    ReportForm = apps.get_model("reports", "ReportForm")
    ReportForm.objects.filter(code__in=[spec["code"] for spec in FORMS], submissions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
