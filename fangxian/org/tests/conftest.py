import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice

from fangxian.accounts.roles import PRIVILEGED_ROLES, roles_of


@pytest.fixture
def login(db):
    """A fresh client signed in as `user` (past the second factor for privileged roles)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        if roles_of(user) & PRIVILEGED_ROLES:
            device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return make
