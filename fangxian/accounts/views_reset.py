"""Forgotten passwords (找回密码), self-service, never telling whether a login exists.

- An account with an e-mail address gets a one-time link (Django's token: it stops working
  once the password changes or after PASSWORD_RESET_TIMEOUT);
- one without gets nothing by mail: the admins of the person's unit (or, failing those, the
  security admins) are notified and reset it on a page of their own, which shows a new
  initial password once; the account must change it at the next sign-in. Logged.
Every request gets the same answer, whatever exists.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.audit.models import SecurityEvent
from fangxian.audit.services import record_event
from fangxian.core.forms import Form

from . import initial_passwords, services, throttle
from .access import require_roles
from .models import User
from .roles import Role

RESET_KIND = "password_reset_request"


class ResetRequestForm(Form):
    username = forms.CharField(
        label=gettext_lazy("Login (staff or student number)"),
        max_length=150,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "username", "autofocus": True}),
    )


def password_reset(request):
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        allowed = throttle.hit_password_reset(request, username)
        user = User.objects.filter(username__iexact=username, is_active=True).first() if allowed else None
        if user is not None:
            _start_reset(request, user)
        return render(request, "accounts/reset/requested.html")
    return render(request, "accounts/reset/request.html", {"form": form})


def _start_reset(request, user: User) -> None:
    if user.email and user.has_usable_password():
        link = request.build_absolute_uri(
            reverse(
                "accounts:password_reset_confirm",
                args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
            )
        )
        subject = _("Fangxian: reset your password")
        body = _(
            "Open this link to choose a new password (it works once, for a limited time):\n\n%(link)s\n\n"
            "If you did not ask for it, ignore this e-mail."
        ) % {"link": link}
        # Sent directly, not through notify's delivery log: the link is a secret.
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True))
        return
    from fangxian.notify.services import notify_users

    admins = unit_admins_for(user) or list(User.objects.filter(role_grants__role=Role.SECURITY_ADMIN, is_active=True))
    notify_users(
        users=admins,
        kind=RESET_KIND,
        title=_("%(name)s (%(login)s) asks for a password reset") % {"name": user.get_full_name(), "login": user.username},
        body=_("The account has no e-mail address. Check who is asking, then reset the password."),
        url=reverse("accounts:unit_reset", args=[user.pk]),
        email=False,
    )


def _person_of(user):
    from fangxian.org.models import Staff, Student

    return (
        Staff.objects.filter(user=user).select_related("unit").first() or Student.objects.filter(user=user).select_related("klass").first()
    )


def unit_admins_for(user: User) -> list[User]:
    """Accounts of the college admins of the person's unit or a unit above it."""
    from fangxian.org.models import Assignment, AssignmentRole, Staff

    person = _person_of(user)
    if person is None:
        return []
    unit = person.unit if isinstance(person, Staff) else person.klass
    units = [*unit.ancestor_ids(), unit.pk]
    staff = Assignment.objects.active().filter(role=AssignmentRole.COLLEGE_ADMIN, unit_id__in=units).values("staff_id")
    return list(User.objects.filter(is_active=True, staff__pk__in=staff).exclude(pk=user.pk))


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/reset/confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request)
        messages.success(self.request, _("Your password has been changed. Sign in with it."))
        return response

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for field in form.fields.values():
            field.widget.attrs["class"] = "form-control"
        return form


@require_roles(Role.COLLEGE_ADMIN)
def unit_reset(request, pk: int):
    """A unit's admin resets the password of a person of their unit: a new initial password,
    shown once, to be changed at the next sign-in."""
    from fangxian.org.models import Staff, Student

    subject = get_object_or_404(User, pk=pk, is_active=True)
    in_scope = Staff.objects.visible_to(request.user).filter(user=subject).exists() or (
        Student.objects.visible_to(request.user).filter(user=subject).exists()
    )
    # System roles (admins, the prevention office) are the security admin's to reset.
    if not in_scope or subject.role_grants.exists() or subject == request.user:
        raise Http404
    password = None
    if request.method == "POST":
        password = initial_passwords.generate()
        with transaction.atomic():
            subject.set_password(password)
            subject.must_change_password = True
            subject.save(update_fields=["password", "must_change_password"])
            # Tokens made with the old password end with it, as on every other reset.
            services.tokens_revoke_all(user=subject, reason="password_reset", request=request, by=request.user)
            record_event(SecurityEvent.Kind.PASSWORD_CHANGED, request=request, target=subject.username, reset="unit_admin", initial=True)
        from .signals import end_sessions

        end_sessions(subject)
    return render(request, "accounts/reset/unit_reset.html", {"subject": subject, "password": password})
