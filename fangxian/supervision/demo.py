"""Demo: the day's derivation over the demo university's data, and a few 督办 sent by
discipline inspection (login `inspector`): three from its leads awaiting the units' answers
(the first to the college of login `college`), and two from on-site checks of that college,
one answered and waiting for review, one closed."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangxian.core.supervision import supervision_rules

from .models import Answer, Finding
from .selectors import TOP_KINDS


def load(*, size: int = 0, seed: int = 0, **_options) -> None:
    from fangxian.org.models import Unit

    from . import services

    inspector = get_user_model().objects.filter(username="inspector").first()
    if inspector is None:
        return
    now = timezone.now()
    services.derive(timezone.localdate())
    # The demo's college admin (login `college`) gets the first 督办, so that the login shows it;
    # leads in the rules' order (missed reports first).
    college_user = get_user_model().objects.filter(username="college").first()
    home = set(Unit.objects.visible_to(college_user).values_list("pk", flat=True)) if college_user else set()
    order = {rule.key: n for n, rule in enumerate(supervision_rules())}
    leads = sorted(
        Finding.objects.filter(status=Finding.Status.PROPOSED, unit__kind__in=TOP_KINDS).select_related("unit"),
        key=lambda f: (f.unit_id not in home, order.get(f.rule, 99), f.unit.path, f.key),
    )
    taken: set[int] = set()
    cases = []
    for lead in leads:
        if lead.unit_id in taken or len(cases) >= 3:
            continue
        taken.add(lead.unit_id)
        cases.append(
            services.case_create(
                user=inspector,
                unit=lead.unit,
                title=lead.title,
                requirement="请于期限内书面说明原因，明确整改措施和责任人，并提交整改报告。",
                due_at=now + timedelta(days=2 + len(cases)),
                findings=[lead],
                now=now - timedelta(days=1),
            )
        )
    # On-site checks of the demo college: one answered and waiting for review, one closed.
    college = Unit.objects.filter(pk__in=home, kind=Unit.Kind.COLLEGE).order_by("path").first()
    if college is None:
        return
    answered = services.onsite_case_create(
        user=inspector,
        unit=college,
        title="学生公寓夜间查寝记录不全",
        requirement="请立即完善查寝制度，补齐近一周查寝记录，并提交整改报告。",
        due_at=now + timedelta(days=1),
        evidence="现场检查发现：3号公寓12月1日至3日夜间查寝记录缺失，值班人员不在岗。",
        now=now - timedelta(hours=20),
    )
    _answer(answered, "整改报告：已补齐查寝记录，值班人员已到岗，建立每晚抽查制度。", now)
    closed = services.onsite_case_create(
        user=inspector,
        unit=college,
        title="校门外来人员登记不规范",
        requirement="请规范外来人员登记，核验健康码与行程卡，并书面说明整改情况。",
        due_at=now - timedelta(days=2),
        evidence="现场检查发现：东门登记簿缺少来访事由与联系方式。",
        now=now - timedelta(days=5),
    )
    if _answer(closed, "情况说明：已更换登记簿并培训门卫，每日由保卫处抽查。", now - timedelta(days=3)):
        services.answer_decide(
            user=inspector, case=closed, decision=Answer.Decision.ACCEPTED, note="整改到位，予以办结。", now=now - timedelta(days=2)
        )


def _answer(case, text: str, now) -> bool:
    """The unit answers through the first of its people who may (its prevention officer,
    else a person named on the 督办)."""
    from fangxian.org.chain import holders_on, users_of

    from . import access, services

    people = users_of(holders_on(case.unit, ["college_admin"])) + users_of(case.responsible.select_related("user"))
    for user in people:
        if access.can_answer(user, case):
            services.answer_submit(user=user, case=case, kind=Answer.Kind.RECTIFICATION, text=text, now=now - timedelta(hours=2))
            return True
    return False
