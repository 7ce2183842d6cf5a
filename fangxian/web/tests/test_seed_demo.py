"""seed_demo loads accounts with a published password: only in demo mode."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_outside_demo_mode_and_loads_nothing(settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", size=5)
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", "--if-empty", size=5)
    assert not get_user_model().objects.exists()


def test_seed_demo_runs_in_demo_mode(settings):
    settings.DEMO = True
    call_command("seed_demo", size=5)
    assert get_user_model().objects.filter(username="office").exists()
