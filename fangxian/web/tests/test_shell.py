import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] is True
    assert body["queue"]["backend"] == "MemoryHuey"


def test_home_shows_navigation_for_roles(client, auditor, verified_client):
    c = verified_client(auditor)
    response = c.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-nav="audit"' in html
    assert 'data-nav="users"' not in html


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_is_selectable(client):
    chinese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="")
    assert '<html lang="zh-hans"' in chinese.content.decode()
    assert "登录防线" in chinese.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    english = client.get("/accounts/login/")
    assert '<html lang="en"' in english.content.decode()
    assert "Sign in to Fangxian" in english.content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录防线" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_demo_banner_only_in_demo_mode(client, plain_user, settings):
    client.force_login(plain_user)
    assert "演示环境" not in client.get("/").content.decode()
    settings.DEMO = True
    assert "演示环境" in client.get("/").content.decode()


def test_system_admin_saves_the_settings_and_sees_the_platform_state(sysadmin, verified_client):
    client = verified_client(sysadmin)
    response = client.get("/settings/")
    assert response.status_code == 200
    assert "任务队列" in response.content.decode()
    response = client.post("/settings/", {"institution_name": "示例大学", "notice_banner": "明日开学", "support_contact": ""}, follow=True)
    html = response.content.decode()
    assert "设置已保存" in html
    assert "明日开学" in html
    assert "示例大学" in html


@pytest.mark.parametrize("outsider", ["office", "auditor", "secadmin", "plain_user"])
def test_only_the_system_admin_changes_the_settings(request, verified_client, outsider):
    client = verified_client(request.getfixturevalue(outsider))
    assert client.get("/settings/").status_code == 403
    assert client.post("/settings/", {"institution_name": "x"}).status_code == 403
