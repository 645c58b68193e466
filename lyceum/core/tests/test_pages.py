import pytest


def test_home_page_renders_for_visitors(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert b"Join free" in response.content


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"find that page" in response.content


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_accept_language_picks_chinese_for_the_first_page(client, db, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")

    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert b'<html lang="zh-hans">' in response.content


def test_language_switch_renders_chinese_and_sticks(client, db):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "免费加入" in content  # "Join free"
    assert "免费加入" in client.get("/").content.decode()


def test_language_switch_rejects_an_unknown_language(client, db):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    assert '<html lang="en">' in client.get("/").content.decode()


def test_language_switch_ignores_an_offsite_next_url(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_server_errors_render_the_friendly_500_page(db, settings):
    from django.test import Client
    from django.urls import path

    def broken(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("boom/", broken)]})
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
