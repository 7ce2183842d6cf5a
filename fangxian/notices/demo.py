"""Demo data for policy publicity: the 宣传部 login, a dozen real-looking notices and policies
(school, city, province, central) with their receipts partly confirmed, a revised policy
with its history, a scheduled notice and a public one for parents."""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from fangxian.core.demo import DEMO_PASSWORD
from fangxian.org.models import Assignment, AssignmentRole, Place, Staff, Unit

from . import services
from .access import PUBLICITY_OFFICER
from .models import AudienceKind, Notice, Receipt

LOGINS = [("publicity", "宣传部 publicity department: publishes notices and policies, follows the read rates")]

SCHOOL = "河西学院疫情防控工作领导小组办公室"

# (kind, title, issuer, number, level, tags, audience, public, questions, body)
NOTICES = [
    (
        "policy",
        "关于做好2022年暑期疫情防控和安全管理工作的通知",
        SCHOOL,
        "河西学院防控办〔2022〕5号",
        "school",
        "暑期,疫情防控,安全管理",
        "institution",
        True,
        "1. 假期离校返乡前应当向谁报备？\nA. 辅导员 *\nB. 室友\nC. 不需要报备\n2. 留校学生出入校门需要出示什么？\nA. 通行码 *\nB. 饭卡",
        "各二级学院、各部门：\n\n为做好暑期疫情防控和安全管理工作，现将有关事项通知如下。\n\n一、严格落实“四方责任”，实行包抓领导和一对一责任人制度。\n\n"
        "二、留校学生实行台账管理，每日报告在校人数和健康状况。\n\n三、严格校门管理，师生凭通行码出入，访客实行预约审批。\n\n"
        "四、加强值班值守，带班领导和值班人员按时到岗，保持通讯畅通。",
    ),
    (
        "policy",
        "河西学院校园出入管理办法（暑期修订）",
        SCHOOL,
        "河西学院防控办〔2022〕6号",
        "school",
        "校门管理,通行码",
        "institution",
        False,
        "1. 封闭管理期间学生外出需要什么？\nA. 外出申请审批通过 *\nB. 口头告知门卫\nC. 无需任何手续",
        "一、师生员工凭本人通行码出入校门。\n\n二、封闭管理学生外出须提前提交外出申请，经辅导员审批同意后方可离校，并按时返校。\n\n"
        "三、校外人员入校实行预约制，由接待部门审核。",
    ),
    (
        "notice",
        "甘肃省教育厅关于进一步加强高校疫情防控工作的通知",
        "甘肃省教育厅",
        "甘教防〔2022〕21号",
        "province",
        "省级文件",
        "institution",
        True,
        "",
        "各高等学校：\n\n当前疫情形势依然复杂严峻，各校要坚持“外防输入、内防反弹”，严格落实各项防控措施。\n\n"
        "一、压实学校主体责任。\n\n二、加强校园管控。\n\n三、做好师生健康监测。",
    ),
    (
        "notice",
        "张掖市新冠肺炎疫情防控指挥部关于开展区域核酸检测的通告",
        "张掖市新冠肺炎疫情防控指挥部",
        "张防指发〔2022〕38号",
        "city",
        "核酸检测,属地要求",
        "campus",
        True,
        "",
        "根据疫情防控需要，定于近期在全市范围内开展区域核酸检测。\n\n请辖区内高校组织在校师生按时参加，做到应检尽检、不漏一人。",
    ),
    (
        "policy",
        "留校学生管理细则",
        SCHOOL,
        "河西学院防控办〔2022〕7号",
        "school",
        "留校,台账",
        "ledger",
        False,
        "1. 留校学生每天需要做什么？\nA. 按时报告健康状况 *\nB. 随意离校",
        "一、留校学生须服从学校统一管理，按时报告健康状况。\n\n二、宿舍实行宿舍长负责制，每晚点名。\n\n三、离校须履行外出审批手续。",
    ),
    (
        "notice",
        "关于封闭管理期间学生就餐安排的通知",
        "后勤服务集团",
        "河西学院后勤〔2022〕12号",
        "school",
        "封闭管理,就餐",
        "closed",
        False,
        "",
        "封闭管理期间，食堂实行错峰就餐，学生凭校园卡就餐，不得聚集。",
    ),
    (
        "notice",
        "关于做好暑期值班值守工作的通知",
        "党政办公室",
        "河西学院办〔2022〕15号",
        "school",
        "值班值守",
        "role",
        False,
        "",
        "各单位要严格执行领导带班和24小时值班制度，值班人员须按时到岗，不得脱岗、漏岗。\n\n遇有突发事件，须第一时间向带班领导报告。",
    ),
    (
        "notice",
        "致全校学生家长的一封信",
        "河西学院",
        "",
        "school",
        "家校齐心",
        "institution",
        True,
        "",
        "尊敬的家长朋友：\n\n为守护校园和师生安全，学校采取了一系列防控措施，恳请您配合学校，提醒孩子遵守防控规定，做好个人防护。\n\n"
        "上下一心、师生同心、家校齐心，共同守护校园安全。",
    ),
    (
        "notice",
        "国务院联防联控机制关于做好重点人群健康监测的通知",
        "国务院联防联控机制综合组",
        "联防联控机制综发〔2022〕71号",
        "central",
        "中央文件,健康监测",
        "institution",
        False,
        "",
        "各地要加强重点人群健康监测，落实“早发现、早报告、早隔离、早治疗”要求。",
    ),
    (
        "notice",
        "医学院关于暑期实验室安全检查的通知",
        "医学院",
        "医学院〔2022〕9号",
        "school",
        "实验室安全",
        "college",
        False,
        "",
        "学院将于近期开展暑期实验室安全专项检查，请各实验室负责人做好自查。",
    ),
    (
        "notice",
        "关于开展心理健康关爱活动的通知",
        "学生工作部",
        "河西学院学工〔2022〕18号",
        "school",
        "心理健康,关爱",
        "college",
        False,
        "",
        "为关爱留校学生身心健康，学生工作部将组织系列心理健康活动，欢迎同学们参加。",
    ),
    (
        "notice",
        "关于暑期校园网络安全的提醒",
        "网络信息中心",
        "",
        "school",
        "网络安全",
        "institution",
        False,
        "",
        "请师生员工提高警惕，谨防电信网络诈骗，不点击来历不明的链接。",
    ),
]


def _publicity_user():
    from fangxian.accounts.models import User

    department = Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, code="publicity").order_by("pk").first()
    institution = Unit.objects.filter(kind=Unit.Kind.INSTITUTION, parent__isnull=True).order_by("pk").first()
    if institution is None:
        return None
    staff = Staff.objects.filter(unit=department, is_active=True).order_by("pk").first() if department else None
    if staff is None:
        staff = Staff.objects.filter(institution=institution, is_active=True).order_by("pk").first()
    if staff is None:
        return None
    user = User.objects.filter(username="publicity").first()
    if user is None:
        user = User(username="publicity", full_name=f"宣传部 {staff.name}")
        user.set_password(DEMO_PASSWORD)
        user.save()
    if staff.user_id is None:
        Staff.objects.filter(pk=staff.pk).update(user=user)
    staff = Staff.objects.get(pk=staff.pk)
    if staff.user_id != user.pk:
        return None
    today = timezone.localdate()
    if not Assignment.objects.filter(staff=staff, role=PUBLICITY_OFFICER).exists():
        Assignment.objects.create(staff=staff, role=PUBLICITY_OFFICER, unit=institution, start_date=today - timedelta(days=60))
    return user


def _audience(kind: str, rng: random.Random, n: int) -> list[services.AudienceSpec]:
    if kind == "institution":
        return [services.AudienceSpec(AudienceKind.INSTITUTION)]
    if kind == "campus":
        campus = Place.objects.filter(kind=Place.Kind.CAMPUS, archived_at__isnull=True).order_by("sort_order", "pk").first()
        return [services.AudienceSpec(AudienceKind.CAMPUS, campus=campus)] if campus else []
    if kind == "ledger":
        return [services.AudienceSpec(AudienceKind.LEDGER)]
    if kind == "closed":
        return [services.AudienceSpec(AudienceKind.CLOSED)]
    if kind == "role":
        return [
            services.AudienceSpec(AudienceKind.ROLE, role=AssignmentRole.COUNSELOR),
            services.AudienceSpec(AudienceKind.ROLE, role=AssignmentRole.COLLEGE_ADMIN),
        ]
    colleges = list(Unit.objects.filter(kind=Unit.Kind.COLLEGE, archived_at__isnull=True).order_by("sort_order", "pk"))
    if not colleges:
        return []
    # The demo counselor's college (医学院 in the demo) for the first college notice.
    from fangxian.accounts.models import User

    counselor = Staff.objects.filter(user__in=User.objects.filter(username="counselor")).first()
    college = None
    if counselor is not None:
        college = next((c for c in colleges if counselor.unit.path.startswith(c.path)), None)
    college = college if (college and n % 2 == 1) else colleges[n % len(colleges)]
    return [services.AudienceSpec(AudienceKind.UNIT, unit=college)]


def load(size: int = 1, seed: int = 2022, **_options) -> None:
    if Notice.objects.exists():
        return
    user = _publicity_user()
    if user is None:
        return
    rng = random.Random(seed)
    now = timezone.now()
    for n, (kind, title, issuer, number, level, tags, audience_kind, public, questions, body) in enumerate(NOTICES):
        audience = _audience(audience_kind, rng, n)
        if not audience:
            continue
        draft = services.Draft(
            kind=kind,
            title=title,
            issuer=issuer,
            number=number,
            source_level=level,
            tags=tags,
            body=body,
            is_public=public,
            pass_mark=100 if questions else 100,
            max_attempts=3,
        )
        notice = services.notice_create(by=user, draft=draft, audience=audience, questions=services.parse_questions(questions))
        try:
            services.publish(notice=notice, by=user)
        except ValidationError:
            continue  # an audience that is empty in a tiny demo: the notice stays a draft
        # Published some days ago, read by part of the audience (more for older notices).
        published_at = now - timedelta(days=len(NOTICES) - n, hours=rng.randint(0, 8))
        Notice.objects.filter(pk=notice.pk).update(published_at=published_at, publish_at=published_at, created_at=published_at)
        share = rng.choice((3, 5, 6, 7, 8, 9))
        Receipt.objects.filter(notice=notice).annotate(m=F("id") % 10).filter(m__lt=share).update(
            read_at=published_at + timedelta(hours=rng.randint(1, 48)), score=100 if questions else None, attempts=1 if questions else 0
        )
    # A revision of the gate rules, with its history.
    revised = Notice.objects.filter(number="河西学院防控办〔2022〕6号").first()
    if revised is not None:
        draft = services.Draft(
            kind=revised.kind,
            title=revised.title,
            issuer=revised.issuer,
            number=revised.number,
            source_level=revised.source_level,
            tags=revised.tags,
            body=revised.body_text.replace("按时返校", "按时返校，逾期未返校的由辅导员立即联系核实").replace("\n", "\n\n")
            + "\n\n四、车辆入校实行登记备案。",
            is_public=revised.is_public,
            pass_mark=revised.pass_mark,
            max_attempts=revised.max_attempts,
        )
        services.notice_update(notice=revised, by=user, draft=draft, note="增加逾期返校处置和车辆登记要求")
    # One scheduled for tomorrow morning, one draft.
    draft = services.Draft(
        kind="notice",
        title="关于秋季学期开学返校工作的预通知",
        issuer=SCHOOL,
        number="河西学院防控办〔2022〕8号",
        source_level="school",
        tags="开学返校",
        body="秋季学期返校工作安排另行通知，请各学院提前做好准备。",
    )
    scheduled = services.notice_create(by=user, draft=draft, audience=[services.AudienceSpec(AudienceKind.INSTITUTION)])
    services.publish(notice=scheduled, by=user, at=now + timedelta(days=1))
    draft.title, draft.number = "关于加强校园周边交通安全的提示（草稿）", ""
    services.notice_create(by=user, draft=draft, audience=[services.AudienceSpec(AudienceKind.INSTITUTION)])
