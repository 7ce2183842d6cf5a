"""Prepare the gate benchmark's database (run in its own process, so that each database
gets its own Django set-up): a campus, a gate, students, the default policy, a device.
Writes the device token and freshly signed passes into the folder given.

    python -m bench.gates_prepare OUTDIR N_PASSES
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(outdir: str, n_passes: int) -> None:
    from bench.harness import setup_django

    setup_django("gates")
    from datetime import date, timedelta

    from django.utils import timezone

    from fangxian.core import idnumber
    from fangxian.gates import services, signing
    from fangxian.org.models import Place, Student, Unit

    institution = Unit.objects.create(kind="institution", name="基准学院")
    college = Unit.objects.create(kind="college", name="医学院", parent=institution)
    major = Unit.objects.create(kind="major", name="临床医学", parent=college)
    grade = Unit.objects.create(kind="grade", name="2021级", parent=major)
    klass = Unit.objects.create(kind="class", name="1班", parent=grade)
    campus = Place.objects.create(kind="campus", name="校本部", institution=institution)
    gate = Place.objects.create(kind="gate", name="东门", parent=campus, institution=institution)
    students = []
    for n in range(2000):
        first17 = f"620702{date(2002, 1, 1) + timedelta(days=n % 3000):%Y%m%d}{n % 1000:03d}"
        students.append(
            Student(
                institution=institution,
                klass=klass,
                name=f"学生{n}",
                gender="M",
                student_number=f"B{n:06d}",
                id_number=first17 + idnumber.check_digit(first17) if n < 900 else "",
            )
        )
    Student.objects.bulk_create(students)
    students = list(Student.objects.select_related("klass", "bed"))
    services.policy_publish(campus=campus, effective_at=timezone.now() - timedelta(days=1), rules=services.default_rules())
    _device, raw = services.device_issue(gate=gate, name="基准设备")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "device_token").write_text(raw)
    # Sign directly (what issue_personal_pass does after its lookups) to keep preparing fast.
    with (out / "passes.txt").open("w") as fh:
        for n in range(n_passes):
            student = students[n % len(students)]
            fh.write(signing.issue(subject=f"S{student.pk}", name=student.name, categories=["student"], campus_id=campus.pk)[0] + "\n")
    with (out / "sync_passes.txt").open("w") as fh:
        for n in range(500):
            student = students[(n * 7) % len(students)]
            fh.write(signing.issue(subject=f"S{student.pk}", name=student.name, categories=["student"], campus_id=campus.pk)[0] + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
