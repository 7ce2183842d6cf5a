"""Accounts for a whole university: 20,000 students provisioned in one action, the
first-login slips (xlsx) included. Initial passwords are hashed with the dedicated
InitialPasswordHasher in a process pool (fangxian/accounts/initial_passwords.py says why
that is safe); with Django's default PBKDF2 the same batch would take hours."""

from __future__ import annotations

import time

from bench.harness import report, setup_django

SIZE = 20_000
SEED = 20220714


def run() -> None:
    setup_django("accounts")
    from django.db import transaction

    from fangxian.accounts.models import User
    from fangxian.accounts.provisioning import Selection, provision, slips_xlsx
    from fangxian.core.demo import loaders
    from fangxian.org.models import Student, Unit

    with transaction.atomic():
        for loader in loaders():
            if loader.name in ("accounts", "org"):
                loader.load(size=SIZE, seed=SEED)
    admin = User.objects.get(username="secadmin")
    institution = Unit.objects.get(kind=Unit.Kind.INSTITUTION, parent=None)
    students = Student.objects.count()

    started = time.perf_counter()
    batch = provision(admin=admin, selection=Selection(unit=institution, people="students"))
    provisioned = time.perf_counter()
    data = slips_xlsx(batch, "https://fangxian.example.edu.cn/accounts/login/")
    finished = time.perf_counter()

    report("accounts_provision_20k_s", finished - started, "s")
    report("accounts_provision_20k_create_s", provisioned - started, "s")
    report("accounts_slips_xlsx_20k_s", finished - provisioned, "s")
    print(
        f"# {students} students, {batch.created_count} accounts created, {len(batch.skipped)} skipped, xlsx {len(data) // 1024} KiB",
        flush=True,
    )

    from fangxian.accounts import initial_passwords

    passwords = [initial_passwords.generate() for _ in range(SIZE)]
    started = time.perf_counter()
    initial_passwords.hash_all(passwords, workers=1)
    report("accounts_hash_20k_one_process_s", time.perf_counter() - started, "s")
