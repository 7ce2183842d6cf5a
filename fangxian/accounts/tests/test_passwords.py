"""Password rules and the first-login password change."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from fangxian.accounts.models import LoginSession
from fangxian.audit.models import SecurityEvent
from fangxian.testing import PASSWORD

NEW_PASSWORD = "Gate-Lantern-Orchid-93"


def refused_codes(password, user=None) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    return {error.code for error in caught.value.error_list}


@pytest.mark.django_db
def test_password_shorter_than_12_characters_is_refused():
    assert "password_too_short" in refused_codes("Xk#9mQ2!vL4")  # 11 characters
    validate_password("Xk#9mQ2!vL4p")  # 12 characters pass


@pytest.mark.django_db
def test_common_password_is_refused_even_when_long_enough():
    assert "password_too_common" in refused_codes("1qaz2wsx3edc")


@pytest.mark.django_db
def test_password_similar_to_the_username_is_refused(make_user):
    user = make_user("zhangweiming", full_name="张伟明")
    assert "password_too_similar" in refused_codes("zhangweiming1", user)


@pytest.mark.django_db
@override_settings(INSTITUTION_NAME="河西学院")
def test_password_containing_the_institution_or_platform_name_is_refused():
    assert "password_contains_institution" in refused_codes("我爱河西学院-Gate-2024")
    assert "password_contains_institution" in refused_codes("FangXian-Orchid-2024")
    assert "password_contains_institution" in refused_codes("防线-Orchid-Lantern-24")


@pytest.mark.django_db
def test_security_admin_cannot_set_a_weak_initial_password(secadmin, make_user, verified_client):
    subject = make_user("liuyang", full_name="刘洋")
    client = verified_client(secadmin)
    response = client.post(f"/accounts/users/{subject.pk}/initial-password/", {"pw-password": "short"})
    assert response.status_code == 200
    assert response.context["password_form"].errors["password"]
    subject.refresh_from_db()
    assert subject.check_password(PASSWORD)
    assert not subject.must_change_password


def test_initial_password_must_be_changed_at_first_login(client, secadmin, make_user, verified_client):
    subject = make_user("liuyang", full_name="刘洋")
    admin_client = verified_client(secadmin)
    response = admin_client.post(f"/accounts/users/{subject.pk}/initial-password/", {"pw-password": "Initial-Maple-7731"})
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.must_change_password
    admin_client.logout()

    response = client.post("/accounts/login/", {"username": "liuyang", "password": "Initial-Maple-7731"})
    assert response.status_code == 302
    # Every page sends the user to the password change until it is done.
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/")
    response = client.get("/accounts/password/?next=/")
    assert 'data-testid="must-change"' in response.content.decode()

    old_key = client.session.session_key
    assert LoginSession.objects.filter(user=subject, session_key=old_key).exists()
    response = client.post(
        "/accounts/password/?next=/",
        {"old_password": "Initial-Maple-7731", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "next": "/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    subject.refresh_from_db()
    assert not subject.must_change_password
    assert subject.password_changed_at is not None
    # The session survives with a new key, and its LoginSession row follows it.
    new_key = client.session.session_key
    assert new_key != old_key
    assert list(LoginSession.objects.filter(user=subject).values_list("session_key", flat=True)) == [new_key]
    assert client.get("/").status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=subject).exists()


def test_password_change_refuses_a_weak_new_password(client, make_user):
    make_user("liuyang")
    client.post("/accounts/login/", {"username": "liuyang", "password": PASSWORD})
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "qwerty123456", "new_password2": "qwerty123456"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_password_change_ends_the_other_sessions(client, make_user):
    from django.test import Client

    user = make_user("liuyang")
    other = Client()
    other.post("/accounts/login/", {"username": "liuyang", "password": PASSWORD})
    client.post("/accounts/login/", {"username": "liuyang", "password": PASSWORD})
    assert other.get("/").status_code == 200
    client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert LoginSession.objects.filter(user=user).count() == 1


# ---------------------------------------------------------------------------
# History and the complexity of privileged roles


@pytest.mark.django_db
def test_the_current_and_the_last_five_passwords_cannot_be_used_again(make_user):
    user = make_user("liuyang")
    assert "password_reused" in refused_codes(PASSWORD, user)
    earlier = [f"Winter-Harbour-{n}-Lamp" for n in range(6)]
    for password in earlier:
        validate_password(password, user)
        user.set_password(password)
        user.save()
    for password in earlier[1:]:
        assert "password_reused" in refused_codes(password, user)
    # The oldest (the seventh back, counting the factory's) has left the history.
    validate_password(earlier[0], user)
    validate_password(PASSWORD, user)
    assert user.password_history.count() == 5


@pytest.mark.django_db
def test_the_password_page_refuses_a_reused_password(client, make_user):
    user = make_user("liuyang")
    client.post("/accounts/login/", {"username": "liuyang", "password": PASSWORD})
    form = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post("/accounts/password/", form).status_code == 302
    back = {"old_password": NEW_PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}
    response = client.post("/accounts/password/", back)
    assert response.status_code == 200
    assert "不能与当前密码及最近 5 次使用过的密码相同" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security_admin", "prevention_office", "leader", "discipline"])
def test_privileged_roles_need_a_longer_password_of_three_kinds(make_user, role):
    user = make_user("priv1", role)
    assert "password_too_simple_for_role" in refused_codes("orchid lantern harbour", user)  # 22 characters, one kind
    assert "password_too_simple_for_role" in refused_codes("Gate-Lamp-93", user)  # 12 characters
    validate_password("Orchid-Lantern-93", user)
    # An ordinary account is not held to it.
    validate_password("orchid lantern harbour", make_user("plain9"))


@pytest.mark.django_db
def test_the_security_admin_cannot_give_an_admin_a_simple_initial_password(make_user, secadmin, verified_client):
    auditor = make_user("auditor2", "audit_admin")
    response = verified_client(secadmin).post(f"/accounts/users/{auditor.pk}/initial-password/", {"pw-password": "orchid lantern harbour"})
    assert response.status_code == 200
    assert "至少 14 个字符" in response.content.decode()
