"""The demo university: 河西学院 as the notice of 2022-07-14 describes it.

"一校三区一院": one institution with three campuses (校本部, 医学院校区, 附属医院校区) and the
affiliated hospital 附属张掖人民医院; sixteen colleges with majors, grades 2019级–2022级 and
classes; the departments the notice names; dorm buildings whose rooms hold every boarder;
teaching buildings with labs; gates; synthetic students and staff (names, check-digit-valid
ID numbers, phones); and assignments that cover most nodes but deliberately leave a few gaps,
so that the coverage page has something to show.

Everything is derived from one `random.Random(seed)`, so a seed always gives the same
university. Rows are written with bulk_create level by level; the tree paths of a level are
then filled in by one UPDATE (TreeNode.save() would cost a query per row).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date

from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat

from fangxian.core import idnumber
from fangxian.core.demo import DEMO_PASSWORD

from .models import Assignment, AssignmentRole, Gender, Place, Staff, Student, TreeNode, Unit

INSTITUTION_NAME = "河西学院"
INSTITUTION_CODE = "hxu"
GRADE_YEARS = (2019, 2020, 2021, 2022)
BATCH = 2000

# (code, name, use) of the campuses: 一校三区.
CAMPUSES = [
    ("campus-main", "校本部"),
    ("campus-medical", "医学院校区"),
    ("campus-hospital", "附属医院校区"),
]

# (name, campus code, share of women, majors). Codes are college-01 … college-16 in this order.
COLLEGES = [
    ("文学院", "campus-main", 0.78, ["汉语言文学", "秘书学", "新闻学"]),
    ("历史文化与旅游学院", "campus-main", 0.62, ["历史学", "旅游管理", "文化产业管理"]),
    ("经济管理学院", "campus-main", 0.66, ["会计学", "财务管理", "市场营销", "国际经济与贸易", "人力资源管理"]),
    ("教育学院", "campus-main", 0.82, ["小学教育", "学前教育", "应用心理学"]),
    ("外国语学院", "campus-main", 0.84, ["英语", "俄语", "翻译"]),
    ("数学与统计学院", "campus-main", 0.52, ["数学与应用数学", "统计学", "信息与计算科学"]),
    ("物理与机电工程学院", "campus-main", 0.24, ["物理学", "电气工程及其自动化", "机械设计制造及其自动化", "车辆工程"]),
    ("化学化工学院", "campus-main", 0.48, ["化学", "应用化学", "化学工程与工艺", "制药工程"]),
    ("农业与生态工程学院", "campus-main", 0.45, ["农学", "园艺", "动物医学", "生态学"]),
    (
        "信息技术与传媒学院",
        "campus-main",
        0.36,
        ["计算机科学与技术", "软件工程", "网络工程", "数据科学与大数据技术", "广播电视编导"],
    ),
    ("土木工程学院", "campus-main", 0.22, ["土木工程", "工程造价", "建筑学"]),
    ("体育学院", "campus-main", 0.35, ["体育教育", "社会体育指导与管理"]),
    ("音乐学院", "campus-main", 0.68, ["音乐学", "舞蹈学"]),
    ("美术学院", "campus-main", 0.66, ["美术学", "视觉传达设计", "环境设计"]),
    ("医学院", "campus-medical", 0.58, ["临床医学", "医学影像学", "医学检验技术", "药学", "预防医学"]),
    ("护理学院", "campus-hospital", 0.9, ["护理学", "助产学"]),
]
DEMO_COLLEGE = "college-15"  # 医学院: the college of the demo college admin and counselor
DEMO_GRADE_YEAR = 2021
LEADERLESS_COLLEGE = "college-13"  # a deliberate gap: 音乐学院 has no 包抓领导

# Departments other apps find by code.
DEPARTMENTS = [
    ("party-office", "党政办公室", ["主任", "副主任", "秘书"]),
    ("prevention-office", "疫情防控办公室", ["主任", "副主任", "干事", "干事", "干事"]),
    ("security", "安全稳定工作部", ["部长", "副部长", "干事"]),
    ("logistics", "后勤管理处", ["处长", "副处长", "干事"]),
    ("discipline", "纪检监察室", ["主任", "干事", "干事"]),
    ("publicity", "宣传部", ["部长", "干事", "干事"]),
    ("student-affairs", "学生工作部", ["部长", "副部长", "干事", "干事"]),
    ("academic-affairs", "教务处", ["处长", "副处长", "干事"]),
    ("lab-management", "实验室与设备管理处", ["处长", "干事", "干事"]),
]
HOSPITAL = ("hospital", "附属张掖人民医院", ["院长", "党委书记", "院感科主任", "护理部主任", "医务科科长", "干事", "干事", "干事"])
SCHOOL_LEADERS = ["党委书记", "校长", "党委副书记", "副校长", "副校长", "副校长", "副校长", "党委常委", "党委常委", "党委常委"]

GATES = {
    "campus-main": ["东门", "南门", "西门", "北门"],
    "campus-medical": ["正门", "北门", "东侧门"],
    "campus-hospital": ["正门", "急诊通道门"],
}
# Non-dorm buildings: (name, use, [(room name, use)]).
OTHER_BUILDINGS = {
    "campus-main": [
        ("行政楼", Place.Use.OFFICE, [("101", Place.Use.OFFICE), ("201", Place.Use.OFFICE)]),
        ("第一教学楼", Place.Use.TEACHING, [(f"{n}", Place.Use.TEACHING) for n in (101, 102, 201, 202, 301)]),
        ("第二教学楼", Place.Use.TEACHING, [(f"{n}", Place.Use.TEACHING) for n in (101, 102, 201, 202)]),
        (
            "实验楼",
            Place.Use.TEACHING,
            [
                ("101 物理实验室", Place.Use.LAB),
                ("201 化学分析实验室", Place.Use.LAB),
                ("202 有机化学实验室", Place.Use.LAB),
                ("301 生物实验室", Place.Use.LAB),
                ("302 计算机实验室", Place.Use.LAB),
                ("401 土工实验室", Place.Use.LAB),
            ],
        ),
    ],
    "campus-medical": [
        ("医学教学楼", Place.Use.TEACHING, [(f"{n}", Place.Use.TEACHING) for n in (101, 102, 201, 202)]),
        (
            "医学实验楼",
            Place.Use.TEACHING,
            [
                ("101 人体解剖实验室", Place.Use.LAB),
                ("201 病理学实验室", Place.Use.LAB),
                ("202 生物化学实验室", Place.Use.LAB),
                ("301 病原微生物实验室", Place.Use.LAB),
                ("302 机能学实验室", Place.Use.LAB),
            ],
        ),
    ],
    "campus-hospital": [
        ("门诊楼", Place.Use.HOSPITAL, [("发热门诊", Place.Use.HOSPITAL), ("预检分诊台", Place.Use.HOSPITAL)]),
        ("住院部", Place.Use.HOSPITAL, [("隔离病区", Place.Use.HOSPITAL)]),
        ("护理实训楼", Place.Use.TEACHING, [("101 护理技能实训室", Place.Use.LAB), ("201 模拟病房", Place.Use.LAB)]),
    ],
}
BEDS_PER_DORM_BUILDING = 400
SPARE_BEDS = 0.06
ON_CAMPUS_SHARE = 0.9
NO_ONE_TO_ONE_SHARE = 0.03  # a deliberate gap: some boarders have no one-to-one staff member
STUDENTS_PER_STAFF = 13
DEMO_PHOTOS = 12  # the demo student and classmates get a drawn portrait

LOGINS = [
    ("college", "二级学院 college admin of 医学院"),
    ("counselor", "辅导员 counselor of 医学院 2021级 (and one-to-one for some students)"),
    ("guard", "门卫 gate guard at the 校本部 east gate"),
    ("student", "学生 a 医学院 2021级 student living on campus"),
]

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = {
    "M": "伟强磊军洋勇杰涛明超辉刚平鹏浩宇博文斌鑫俊帅健晨阳凯峰龙飞昊然轩泽睿航子一嘉志建国华海林诚旭东亮成振庆忠毅彬",
    "F": "芳娜敏静丽艳娟霞玲婷雪慧颖琳洁倩萍红燕欣怡悦佳梦雨瑶涵琪璐晶蕾薇妍彤诗思月春秀兰宁心语晓雅文丹茜露岚莉",
}
REGIONS = [
    "620702",
    "620721",
    "620722",
    "620723",
    "620724",
    "620725",
    "620102",
    "620103",
    "620502",
    "620602",
    "620902",
    "621102",
    "622901",
    "640104",
    "410105",
    "610113",
    "510107",
    "630102",
]
PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "157",
    "158",
    "159",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "199",
]


@dataclass
class _Class:
    unit: Unit
    college: int  # index in COLLEGES
    year: int
    students: list[Student] = field(default_factory=list)


class _Builder:
    def __init__(self, *, size: int, seed: int):
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self.staff: list[Staff] = []
        self.assignments: list[Assignment] = []

    # -- synthetic people -----------------------------------------------------------
    def name(self, gender: str) -> str:
        rng = self.rng
        given = "".join(rng.choice(GIVEN[gender]) for _ in range(2 if rng.random() < 0.7 else 1))
        return rng.choice(SURNAMES) + given

    def id_number(self, gender: str, birth_year: int) -> str:
        rng = self.rng
        while True:
            birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
            sex_digit = rng.choice("13579" if gender == Gender.MALE else "02468")
            first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randint(0, 99):02d}{sex_digit}"
            value = first17 + idnumber.check_digit(first17)
            if value not in self.id_numbers:
                self.id_numbers.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = f"{self.rng.choice(PHONE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"
            if value not in self.phones:
                self.phones.add(value)
                return value

    def new_staff(self, unit: Unit, title: str, gender: str | None = None) -> Staff:
        gender = gender or self.rng.choice((Gender.MALE, Gender.FEMALE))
        staff = Staff(
            institution=self.institution,
            name=self.name(gender),
            gender=gender,
            id_number=self.id_number(gender, self.rng.randint(1965, 1996)),
            phone=self.phone(),
            staff_number=f"HX{len(self.staff) + 1:05d}",
            unit=unit,
            title=title,
        )
        self.staff.append(staff)
        return staff

    def assign(self, staff: Staff, role: str, start: date, end: date | None = None, **target) -> None:
        self.assignments.append(Assignment(staff=staff, role=role, start_date=start, end_date=end, **target))

    # -- the build ----------------------------------------------------------------------
    def build(self) -> None:
        self.institution = _create_root(Unit(kind=Unit.Kind.INSTITUTION, name=INSTITUTION_NAME, code=INSTITUTION_CODE))
        self.campuses = {
            code: Place(institution=self.institution, kind=Place.Kind.CAMPUS, name=name, code=code, sort_order=n)
            for n, (code, name) in enumerate(CAMPUSES)
        }
        _bulk_nodes(Place, list(self.campuses.values()))
        self.build_units()
        self.allocate_students()
        self.build_places()
        self.place_students()
        self.build_staff()
        self.build_assignments()
        self.give_photos()
        Staff.objects.bulk_create(self.staff, batch_size=BATCH)
        Student.objects.bulk_create(self.all_students, batch_size=BATCH)
        Assignment.objects.bulk_create(self.assignments, batch_size=BATCH)
        self.create_logins()

    def build_units(self) -> None:
        inst = self.institution
        self.colleges: list[Unit] = []
        for n, (name, campus, _women, _majors) in enumerate(COLLEGES, start=1):
            self.colleges.append(
                Unit(parent=inst, kind=Unit.Kind.COLLEGE, name=name, code=f"college-{n:02d}", sort_order=n, campus=self.campuses[campus])
            )
        self.departments = {
            code: Unit(
                parent=inst, kind=Unit.Kind.DEPARTMENT, name=name, code=code, sort_order=100 + n, campus=self.campuses["campus-main"]
            )
            for n, (code, name, _titles) in enumerate(DEPARTMENTS)
        }
        self.hospital = Unit(
            parent=inst,
            kind=Unit.Kind.HOSPITAL,
            name=HOSPITAL[1],
            code=HOSPITAL[0],
            sort_order=200,
            campus=self.campuses["campus-hospital"],
        )
        _bulk_nodes(Unit, [*self.colleges, *self.departments.values(), self.hospital])

        self.majors: list[tuple[int, Unit]] = []
        for ci, (college, (_name, _campus, _women, majors)) in enumerate(zip(self.colleges, COLLEGES, strict=True)):
            for mi, name in enumerate(majors, start=1):
                code = f"{college.code}-{mi:02d}"
                self.majors.append((ci, Unit(parent=college, kind=Unit.Kind.MAJOR, name=name, code=code, sort_order=mi)))
        _bulk_nodes(Unit, [m for _ci, m in self.majors])

        self.grades: list[tuple[int, int, Unit]] = []  # (college index, year, unit)
        for ci, major in self.majors:
            for year in GRADE_YEARS:
                self.grades.append((ci, year, Unit(parent=major, kind=Unit.Kind.GRADE, name=f"{year}级", sort_order=year)))
        _bulk_nodes(Unit, [g for _ci, _y, g in self.grades])

        self.classes: list[_Class] = []
        for ci, year, grade in self.grades:
            campus = self.colleges[ci].campus
            for k in range(1, self.rng.randint(1, 3) + 1):
                unit = Unit(parent=grade, kind=Unit.Kind.CLASS, name=f"{grade.parent.name}{year}级{k}班", sort_order=k, campus=campus)
                self.classes.append(_Class(unit, ci, year))
        _bulk_nodes(Unit, [c.unit for c in self.classes])

    def allocate_students(self) -> None:
        """Spread `size` students over the classes (roughly even, with some noise)."""
        rng = self.rng
        weights = [rng.uniform(0.75, 1.25) for _ in self.classes]
        total = sum(weights)
        counts = [int(self.size * w / total) for w in weights]
        for i in range(self.size - sum(counts)):
            counts[i % len(counts)] += 1
        self.all_students: list[Student] = []
        for n, (klass, count) in enumerate(zip(self.classes, counts, strict=True)):
            women = COLLEGES[klass.college][2]
            college_code = klass.college + 1
            for k in range(1, count + 1):
                gender = Gender.FEMALE if rng.random() < women else Gender.MALE
                status = Student.Status.ENROLLED
                if rng.random() < 0.006:
                    status = rng.choice((Student.Status.SUSPENDED, Student.Status.WITHDRAWN))
                student = Student(
                    institution=self.institution,
                    student_number=f"{klass.year}{college_code:02d}{n:04d}{k:03d}",
                    name=self.name(gender),
                    gender=gender,
                    id_number=self.id_number(gender, klass.year - 18 - (1 if rng.random() < 0.3 else 0)),
                    phone=self.phone(),
                    klass=klass.unit,
                    status=status,
                )
                klass.students.append(student)
                self.all_students.append(student)

    def build_places(self) -> None:
        """Dorm buildings sized to the boarders of each campus and gender; other buildings,
        labs and gates."""
        rng = self.rng
        inst = self.institution
        self.boarders: dict[tuple[str, str], list[Student]] = {}
        for klass in self.classes:
            campus_code = COLLEGES[klass.college][1]
            for student in klass.students:
                if student.status == Student.Status.ENROLLED and rng.random() < ON_CAMPUS_SHARE:
                    self.boarders.setdefault((campus_code, student.gender), []).append(student)

        self.buildings: list[tuple[str, Place]] = []  # (campus code, building)
        self.dorm_rooms: dict[tuple[str, str], list[Place]] = {}
        rooms: list[Place] = []
        self.labs: list[tuple[str, Place]] = []
        self.gates: list[tuple[str, Place]] = []
        planned_rooms: list[tuple[Place, list[int]]] = []  # building → bed counts of its rooms
        for code, _name in CAMPUSES:
            campus = self.campuses[code]
            number = 0
            for gender, label in ((Gender.MALE, "男生"), (Gender.FEMALE, "女生")):
                need = len(self.boarders.get((code, gender), []))
                if not need:
                    continue
                beds = math.ceil(need * (1 + SPARE_BEDS)) + 4
                count = max(1, math.ceil(beds / BEDS_PER_DORM_BUILDING))
                for k in range(count):
                    number += 1
                    building = Place(
                        institution=inst,
                        parent=campus,
                        kind=Place.Kind.BUILDING,
                        name=f"{label}公寓{number}号楼",
                        use=Place.Use.DORM,
                        gender=gender,
                        sort_order=number,
                    )
                    self.buildings.append((code, building))
                    target = beds // count + (1 if k < beds % count else 0)
                    sizes: list[int] = []
                    while sum(sizes) < target:
                        sizes.append(rng.choice((4, 4, 6, 6, 6, 5)))
                    planned_rooms.append((building, sizes))
            for name, use, _rooms in OTHER_BUILDINGS[code]:
                self.buildings.append((code, Place(institution=inst, parent=campus, kind=Place.Kind.BUILDING, name=name, use=use)))
            for n, name in enumerate(GATES[code], start=1):
                gate = Place(institution=inst, parent=campus, kind=Place.Kind.GATE, name=name, sort_order=n)
                self.gates.append((code, gate))
        _bulk_nodes(Place, [b for _c, b in self.buildings] + [g for _c, g in self.gates])

        bed_counts: list[tuple[Place, int]] = []
        for building, sizes in planned_rooms:
            per_floor = max(1, math.ceil(len(sizes) / 6))
            for i, beds in enumerate(sizes):
                room = Place(
                    institution=inst,
                    parent=building,
                    kind=Place.Kind.ROOM,
                    name=f"{i // per_floor + 1}{i % per_floor + 1:02d}",
                    use=Place.Use.DORM,
                    gender=building.gender,
                    sort_order=i,
                )
                rooms.append(room)
                bed_counts.append((room, beds))
        by_name = {(code, b.name): b for code, b in self.buildings}
        for code, buildings in OTHER_BUILDINGS.items():
            for name, _use, room_specs in buildings:
                for i, (room_name, use) in enumerate(room_specs):
                    room = Place(
                        institution=inst, parent=by_name[(code, name)], kind=Place.Kind.ROOM, name=room_name, use=use, sort_order=i
                    )
                    rooms.append(room)
                    if use == Place.Use.LAB:
                        self.labs.append((code, room))
        _bulk_nodes(Place, rooms)

        beds: list[Place] = []
        for room, count in bed_counts:
            room_beds = [
                Place(
                    institution=inst,
                    parent=room,
                    kind=Place.Kind.BED,
                    name=f"{n}号床",
                    use=Place.Use.DORM,
                    gender=room.gender,
                    sort_order=n,
                )
                for n in range(1, count + 1)
            ]
            self.dorm_rooms.setdefault((room.parent.parent.code, room.gender), []).append(room)
            room.beds = room_beds
            beds.extend(room_beds)
        _bulk_nodes(Place, beds)

    def place_students(self) -> None:
        """Boarders fill the rooms of their campus and gender in class order, so that
        classmates share rooms."""
        for key, students in self.boarders.items():
            free = [bed for room in self.dorm_rooms[key] for bed in room.beds]
            for student, bed in zip(students, free, strict=False):
                student.bed = bed

    def build_staff(self) -> None:
        rng = self.rng
        inst = self.institution
        self.leaders = [self.new_staff(inst, title) for title in SCHOOL_LEADERS]
        self.department_staff = {
            code: [self.new_staff(self.departments[code], title) for title in titles] for code, _name, titles in DEPARTMENTS
        }
        self.hospital_staff = [self.new_staff(self.hospital, title) for title in HOSPITAL[2]]
        # Security: two guards per gate; logistics: a manager per building.
        self.guards = {
            gate.name + code: [self.new_staff(self.departments["security"], "门卫") for _ in range(2)] for code, gate in self.gates
        }
        self.managers = [self.new_staff(self.departments["logistics"], "楼宇管理员") for _ in self.buildings]
        # Colleges: secretary, dean, prevention officer, a counselor per grade year, teachers.
        fixed = len(self.staff) + len(self.colleges) * (3 + len(GRADE_YEARS))
        wanted_teachers = max(0, self.size // STUDENTS_PER_STAFF - fixed)
        students_per_college = [0] * len(self.colleges)
        classes_per_college = [0] * len(self.colleges)
        for klass in self.classes:
            students_per_college[klass.college] += len(klass.students)
            classes_per_college[klass.college] += 1
        self.college_staff: list[dict] = []
        for ci, college in enumerate(self.colleges):
            share = students_per_college[ci] / max(1, self.size)
            teachers = max(math.ceil(classes_per_college[ci] * 0.7) + 2, round(wanted_teachers * share))
            self.college_staff.append(
                {
                    "secretary": self.new_staff(college, "党委书记"),
                    "dean": self.new_staff(college, "院长"),
                    "admin": self.new_staff(college, "党委副书记"),
                    "counselors": {year: self.new_staff(college, "辅导员") for year in GRADE_YEARS},
                    "teachers": [self.new_staff(college, rng.choice(("讲师", "讲师", "副教授", "教授"))) for _ in range(teachers)],
                }
            )

    def build_assignments(self) -> None:
        rng = self.rng
        assign = self.assign
        lead_start, college_start = date(2021, 1, 1), date(2021, 9, 1)
        secretary, president = self.leaders[0], self.leaders[1]
        assign(secretary, AssignmentRole.LEADER, lead_start, unit=self.institution)
        assign(president, AssignmentRole.LEADER, lead_start, unit=self.institution)
        assign(president, AssignmentRole.LEADER, lead_start, place=self.campuses["campus-main"])
        assign(self.leaders[3], AssignmentRole.LEADER, lead_start, place=self.campuses["campus-medical"])
        assign(self.leaders[4], AssignmentRole.LEADER, lead_start, place=self.campuses["campus-hospital"])
        assign(self.leaders[4], AssignmentRole.LEADER, lead_start, unit=self.hospital)
        hospital_head, hospital_secretary, infection_control = self.hospital_staff[:3]
        assign(hospital_secretary, AssignmentRole.COLLEGE_SECRETARY, lead_start, unit=self.hospital)
        assign(hospital_head, AssignmentRole.COLLEGE_DEAN, lead_start, unit=self.hospital)
        assign(infection_control, AssignmentRole.COLLEGE_ADMIN, lead_start, unit=self.hospital)
        for code, staff in self.department_staff.items():
            assign(staff[0], AssignmentRole.COLLEGE_ADMIN, lead_start, unit=self.departments[code])

        # Colleges: a school leader each (包抓), except one deliberate gap.
        for ci, college in enumerate(self.colleges):
            people = self.college_staff[ci]
            if college.code != LEADERLESS_COLLEGE:
                assign(self.leaders[2 + ci % (len(self.leaders) - 2)], AssignmentRole.LEADER, lead_start, unit=college)
            assign(people["secretary"], AssignmentRole.COLLEGE_SECRETARY, college_start, unit=college)
            assign(people["dean"], AssignmentRole.COLLEGE_DEAN, college_start, unit=college)
            assign(people["admin"], AssignmentRole.COLLEGE_ADMIN, college_start, unit=college)

        # Gaps chosen up front, never in the demo counselor's grade.
        demo_ci = int(DEMO_COLLEGE.split("-")[1]) - 1
        candidate_grades = [g for g in self.grades if not (g[0] == demo_ci and g[1] == DEMO_GRADE_YEAR)]
        no_counselor = {id(rng.choice(candidate_grades)[2])}
        no_grade_responsible = {id(g[2]) for g in rng.sample(candidate_grades, 3)}
        no_major_responsible = {id(m) for _ci, m in rng.sample(self.majors, 2)}
        candidate_classes = [c for c in self.classes if not (c.college == demo_ci and c.year == DEMO_GRADE_YEAR)]
        no_class_teacher = {id(c.unit) for c in rng.sample(candidate_classes, 3)}

        teacher_cursor = [0] * len(self.colleges)

        def next_teacher(ci: int) -> Staff:
            teachers = self.college_staff[ci]["teachers"]
            teacher = teachers[teacher_cursor[ci] % len(teachers)]
            teacher_cursor[ci] += 1
            return teacher

        for ci, major in self.majors:
            if id(major) not in no_major_responsible:
                assign(next_teacher(ci), AssignmentRole.RESPONSIBLE, college_start, unit=major)
        for ci, year, grade in self.grades:
            start = date(year, 9, 1)
            if id(grade) not in no_counselor:
                assign(self.college_staff[ci]["counselors"][year], AssignmentRole.COUNSELOR, start, unit=grade)
            if id(grade) not in no_grade_responsible:
                assign(next_teacher(ci), AssignmentRole.RESPONSIBLE, college_start, unit=grade)
        for klass in self.classes:
            if id(klass.unit) in no_class_teacher:
                continue
            start = date(klass.year, 9, 1)
            if klass.year < 2021 and rng.random() < 0.08:
                # A handover: the first class teacher left at the end of the 2020–21 year.
                assign(next_teacher(klass.college), AssignmentRole.CLASS_TEACHER, start, date(2021, 8, 31), unit=klass.unit)
                start = date(2021, 9, 1)
            assign(next_teacher(klass.college), AssignmentRole.CLASS_TEACHER, start, unit=klass.unit)

        # Buildings: a manager each except one dorm building; gates: two guards each;
        # labs: a safety owner each except one.
        dorms = [i for i, (code, b) in enumerate(self.buildings) if b.use == Place.Use.DORM and code == "campus-main"]
        unmanaged = dorms[-1] if dorms else None
        for i, ((_code, building), manager) in enumerate(zip(self.buildings, self.managers, strict=True)):
            if i != unmanaged:
                assign(manager, AssignmentRole.BUILDING_MANAGER, date(2020, 9, 1), place=building)
        for code, gate in self.gates:
            for guard in self.guards[gate.name + code]:
                assign(guard, AssignmentRole.GATE_GUARD, date(2022, 3, 1), place=gate)
        lab_owners = self.department_staff["lab-management"]
        for n, (_code, lab) in enumerate(self.labs[:-1]):
            assign(lab_owners[n % len(lab_owners)], AssignmentRole.LAB_SAFETY, date(2021, 3, 1), place=lab)

        # One-to-one (一对一): the boarders of a college shared among its teachers and
        # counselors; the demo counselor takes a few of their own grade first.
        self.demo_counselor = self.college_staff[demo_ci]["counselors"][DEMO_GRADE_YEAR]
        self.demo_one_to_one: list[Student] = []
        one_to_one_start = date(2022, 1, 10)
        for ci in range(len(self.colleges)):
            boarders = [s for klass in self.classes if klass.college == ci for s in klass.students if s.bed is not None]
            covered = [s for s in boarders if rng.random() >= NO_ONE_TO_ONE_SHARE]
            if ci == demo_ci:
                mine = [s for s in covered if s.klass.parent.name == f"{DEMO_GRADE_YEAR}级"][:8]
                for student in mine:
                    assign(self.demo_counselor, AssignmentRole.ONE_TO_ONE, one_to_one_start, student=student)
                self.demo_one_to_one = mine
                covered = [s for s in covered if s not in mine]
            pool = self.college_staff[ci]["teachers"] + [c for y, c in self.college_staff[ci]["counselors"].items() if y != DEMO_GRADE_YEAR]
            chunk = max(1, math.ceil(len(covered) / len(pool)))
            for n, student in enumerate(covered):
                assign(pool[n // chunk], AssignmentRole.ONE_TO_ONE, one_to_one_start, student=student)

    def demo_student(self, demo_ci: int) -> Student | None:
        """One of the demo counselor's one-to-one students; in a very small university any
        boarder of the counselor's grade, or any student at all."""
        if self.demo_one_to_one:
            return self.demo_one_to_one[0]
        grade = [s for c in self.classes if c.college == demo_ci and c.year == DEMO_GRADE_YEAR for s in c.students]
        boarders = [s for s in grade if s.bed is not None]
        return (boarders or grade or self.all_students or [None])[0]

    def give_photos(self) -> None:
        """Drawn portraits for the demo student and the first students of the demo grade, so
        that the guard station shows a photo. Their own random generator leaves the rest of
        the demo as it was; file names derive from the seed, so loading again rewrites nothing."""
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        demo_ci = int(DEMO_COLLEGE.split("-")[1]) - 1
        first = self.demo_student(demo_ci)
        if first is None:
            return
        grade = [s for c in self.classes if c.college == demo_ci and c.year == DEMO_GRADE_YEAR for s in c.students]
        rng = random.Random(f"photos-{self.seed}")
        for student in [first, *(s for s in grade if s is not first)][:DEMO_PHOTOS]:
            name = f"photos/demo/{hashlib.sha256(f'{self.seed}-{student.student_number}'.encode()).hexdigest()[:32]}.jpg"
            if not default_storage.exists(name):
                name = default_storage.save(name, ContentFile(portrait(rng, student.gender)))
            student.photo = name

    def create_logins(self) -> None:
        from fangxian.accounts.models import User

        demo_ci = int(DEMO_COLLEGE.split("-")[1]) - 1
        guard = self.guards["东门campus-main"][0]
        people = [
            ("college", self.college_staff[demo_ci]["admin"], Staff),
            ("counselor", self.demo_counselor, Staff),
            ("guard", guard, Staff),
            ("student", self.demo_student(demo_ci), Student),
        ]
        for username, person, model in people:
            if person is None or User.objects.filter(username=username).exists():
                continue
            user = User(username=username, full_name=person.name)
            user.set_password(DEMO_PASSWORD)
            user.save()
            model.objects.filter(pk=person.pk).update(user=user)


SKIN = ((241, 204, 170), (232, 190, 150), (224, 178, 140), (210, 160, 120))
HAIR = ((30, 24, 20), (45, 34, 28), (60, 44, 32))
BACKDROP = ((214, 228, 245), (226, 236, 248), (236, 240, 244), (220, 232, 226))
CLOTHES = ((36, 60, 110), (70, 70, 78), (120, 30, 40), (40, 90, 70), (230, 230, 232))


def portrait(rng: random.Random, gender: str) -> bytes:
    """A drawn passport-style portrait (JPEG, 360 × 480): head, hair and shoulders on a light
    backdrop, varied by `rng`. Demo data only: nobody's face."""
    import io

    from PIL import Image, ImageDraw

    width, height = 360, 480
    image = Image.new("RGB", (width, height), rng.choice(BACKDROP))
    draw = ImageDraw.Draw(image)
    cx, skin, hair = width // 2 + rng.randint(-8, 8), rng.choice(SKIN), rng.choice(HAIR)
    head_w, head_h, top = rng.randint(118, 134), rng.randint(150, 166), rng.randint(92, 108)
    draw.ellipse((cx - 150, 330, cx + 150, 620), fill=rng.choice(CLOTHES))  # shoulders
    draw.rectangle((cx - 28, top + head_h - 30, cx + 28, 350), fill=skin)  # neck
    if gender == Gender.FEMALE:  # long hair behind the head
        draw.rounded_rectangle((cx - head_w // 2 - 18, top - 12, cx + head_w // 2 + 18, top + head_h + 40), 60, fill=hair)
    draw.ellipse((cx - head_w // 2, top, cx + head_w // 2, top + head_h), fill=skin)
    draw.chord((cx - head_w // 2 - 6, top - 16, cx + head_w // 2 + 6, top + head_h * 0.7), 180, 360, fill=hair)
    eye_y = top + head_h * 0.52
    for dx in (-head_w // 5, head_w // 5):
        draw.ellipse((cx + dx - 6, eye_y - 5, cx + dx + 6, eye_y + 5), fill=(40, 30, 30))
    draw.arc((cx - 22, top + head_h * 0.66, cx + 22, top + head_h * 0.82), 20, 160, fill=(150, 70, 70), width=4)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _create_root(node: TreeNode) -> TreeNode:
    node.save()
    return node


def _bulk_nodes(model: type[TreeNode], nodes: list[TreeNode]) -> None:
    """Insert nodes whose parents already have paths, then give them paths in one UPDATE."""
    if not nodes:
        return
    model.objects.bulk_create(nodes, batch_size=BATCH)
    own_id = Cast("pk", CharField())
    model.objects.filter(path="", parent__isnull=True).update(
        path=Concat(Value("/"), own_id, Value("/"), output_field=CharField()), depth=1
    )
    parents = model.objects.filter(pk=OuterRef("parent_id"))
    model.objects.filter(path="", parent__isnull=False).update(
        path=Concat(Subquery(parents.values("path")[:1]), own_id, Value("/"), output_field=CharField()),
        depth=Subquery(parents.values("depth")[:1]) + 1,
    )
    for node in nodes:  # the same paths, in memory, for the next level
        prefix = node.parent.path if node.parent_id else "/"
        node.path, node.depth = f"{prefix}{node.pk}/", prefix.count("/")


def load(*, size: int, seed: int) -> None:
    """Load the demo university (idempotent: does nothing when it is already there)."""
    if Unit.objects.filter(kind=Unit.Kind.INSTITUTION, code=INSTITUTION_CODE).exists():
        return
    _Builder(size=size, seed=seed).build()
