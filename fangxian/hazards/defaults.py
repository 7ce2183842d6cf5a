"""The default checklists shipped with the platform (in Chinese, as the offices use them).

Loaded by `manage.py hazards_checklists` (the demo runs it; the office has the same as a
button on the checklists page). Idempotent: a checklist whose code exists is left alone,
so an office's own versions are never overwritten.
"""

from __future__ import annotations

from .models import PlaceCategory

# (code, name, category, [(section, text, reading, reading unit)])
DEFAULTS = [
    (
        "lab",
        "实验室安全检查表",
        PlaceCategory.LAB,
        [
            ("危险化学品", "危化品分类存放于专用柜，易燃、易爆、腐蚀品不混放", False, ""),
            ("危险化学品", "危化品出入库台账完整，领用登记与库存一致", False, ""),
            ("危险化学品", "剧毒、易制毒、易制爆品双人双锁管理", False, ""),
            ("气瓶", "气瓶直立固定（链条或气瓶架），有状态标识", False, ""),
            ("气瓶", "不用时气瓶阀门关闭，减压阀、管路无泄漏", False, ""),
            ("水电", "离开实验室时电源、水源关闭，无私拉乱接、插线板串接", False, ""),
            ("通风", "通风橱运行正常，风速达标，柜内不堆放杂物", False, ""),
            ("应急设施", "洗眼器、紧急喷淋可用，每周放水记录完整", False, ""),
            ("消防", "灭火器在有效期内、压力正常，取用通道畅通", False, ""),
            ("废弃物", "实验废液、废弃物分类收集，标签清楚，按时交由有资质单位处置", False, ""),
            ("制度", "安全责任人、应急电话、安全操作规程上墙", False, ""),
        ],
    ),
    (
        "dorm",
        "学生宿舍楼安全检查表",
        PlaceCategory.DORM,
        [
            ("用电", "线路无老化、破损，无私拉乱接电线", False, ""),
            ("用电", "无违章电器（热得快、电热锅、电热毯、大功率吹风机等）", False, ""),
            ("消防", "消防通道、安全出口畅通，无上锁、无堆物", False, ""),
            ("消防", "应急照明、疏散指示标志完好", False, ""),
            ("消防", "灭火器、消火栓完好有效，在检验期内", False, ""),
            ("管理", "门禁、值班记录完整，外来人员登记", False, ""),
            ("设施", "楼道、阳台护栏牢固，无高空坠物隐患", False, ""),
        ],
    ),
    (
        "pipe",
        "校园管网巡查表",
        PlaceCategory.PIPE,
        [
            ("供水", "供水管网无跑冒滴漏，路面无异常渗水", False, ""),
            ("供水", "总水表读数", True, "m³"),
            ("供暖", "供暖管道、阀门无漏水漏汽，保温层完好", False, ""),
            ("燃气", "燃气管道、调压箱无泄漏（检测仪无报警），无异味", False, ""),
            ("燃气", "燃气表读数", True, "m³"),
            ("阀门井", "阀门井盖完好、无缺失，井内无积水，阀门启闭灵活", False, ""),
            ("排水", "排水、化粪井通畅，无堵塞外溢", False, ""),
        ],
    ),
    (
        "kitchen",
        "食堂后厨安全检查表",
        PlaceCategory.KITCHEN,
        [
            ("燃气", "燃气灶具、管道无泄漏，燃气报警器正常，切断阀有效", False, ""),
            ("消防", "烟道定期清洗，灭火毯、灭火器完好", False, ""),
            ("用电", "电器设备接地良好，无超负荷用电", False, ""),
            ("食品安全", "食品留样48小时，台账完整", False, ""),
            ("食品安全", "生熟分开，冷藏冷冻温度达标", False, ""),
            ("人员", "从业人员持健康证上岗，晨检记录完整", False, ""),
        ],
    ),
    (
        "general",
        "通用场所安全检查表",
        PlaceCategory.GENERAL,
        [
            ("消防", "安全出口、疏散通道畅通", False, ""),
            ("消防", "灭火器、消火栓完好有效", False, ""),
            ("用电", "无私拉乱接、无违章用电", False, ""),
            ("其他", "其他安全隐患（在备注中说明）", False, ""),
        ],
    ),
]
