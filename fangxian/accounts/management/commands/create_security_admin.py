"""Create the first security administrator (安全管理员) of a new installation.

Interactive by default; with --no-input the account is read from the environment, for
automated installs:

    FANGXIAN_ADMIN_USERNAME, FANGXIAN_ADMIN_PASSWORD, FANGXIAN_ADMIN_FULL_NAME (optional),
    FANGXIAN_ADMIN_EMAIL (optional)

The password must pass the project's password validators (AUTH_PASSWORD_VALIDATORS). A
password taken from the environment has sat in a configuration file, so it must be changed
at the first sign-in. The second factor is enrolled at the first sign-in like for every
privileged role. Running the command again for the same security admin changes nothing, so
a deploy script may run it on every release.
"""

from __future__ import annotations

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from fangxian.accounts.models import RoleGrant, User
from fangxian.accounts.roles import Role
from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event

ENV_USERNAME = "FANGXIAN_ADMIN_USERNAME"
ENV_PASSWORD = "FANGXIAN_ADMIN_PASSWORD"  # noqa: S105  (the name of the variable, not a password)
ENV_FULL_NAME = "FANGXIAN_ADMIN_FULL_NAME"
ENV_EMAIL = "FANGXIAN_ADMIN_EMAIL"


class Command(BaseCommand):
    help = "Create the first security administrator (interactive, or from FANGXIAN_ADMIN_* environment variables with --no-input)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="Read the account from the environment."
        )

    def handle(self, *args, interactive: bool = True, **options):
        if interactive:
            username, full_name, email, password = self._ask()
            from_env = False
        else:
            username = os.environ.get(ENV_USERNAME, "").strip()
            password = os.environ.get(ENV_PASSWORD, "")
            full_name = os.environ.get(ENV_FULL_NAME, "").strip()
            email = os.environ.get(ENV_EMAIL, "").strip()
            if not username or not password:
                raise CommandError(
                    _("Set %(user)s and %(password)s, or run the command without --no-input.")
                    % {"user": ENV_USERNAME, "password": ENV_PASSWORD}
                )
            from_env = True

        existing = User.objects.filter(role_grants__role=Role.SECURITY_ADMIN).order_by("pk").first()
        if existing is not None:
            if existing.username == username:
                self.stdout.write(_("The security administrator %(username)s already exists; nothing changed.") % {"username": username})
                return
            raise CommandError(
                _("A security administrator already exists (%(username)s); further roles are granted on the user page.")
                % {"username": existing.username}
            )
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(_("The username %(username)s is taken.") % {"username": username})

        user = User(username=username, full_name=full_name, email=email, must_change_password=from_env)
        try:
            user.full_clean(exclude=["password"])
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.save()
            RoleGrant.objects.create(user=user, role=Role.SECURITY_ADMIN, granted_by=None)
            record_event(
                SecurityEvent.Kind.ROLE_GRANTED, user=None, target=user.username, role=Role.SECURITY_ADMIN, by="create_security_admin"
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Security administrator %(username)s created; enrol the second factor at the first sign-in.") % {"username": username}
            )
        )

    def _ask(self) -> tuple[str, str, str, str]:
        username = input(_("Username: ")).strip()
        if not username:
            raise CommandError(_("A username is needed."))
        full_name = input(_("Full name: ")).strip()
        email = input(_("E-mail (optional): ")).strip()
        password = getpass.getpass(_("Password: "))
        if password != getpass.getpass(_("Password (again): ")):
            raise CommandError(_("The two passwords differ."))
        return username, full_name, email, password
