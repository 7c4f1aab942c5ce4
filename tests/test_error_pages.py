"""The error pages speak French in the site's layout (issue 12); under /api/ they stay JSON."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.test.utils import override_settings
from django.urls import include, path

from config import views as config_views
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _refused(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("boom")


# The site's addresses (the layout links to them) and three that fail.
urlpatterns = [
    path("refuse/", _refused),
    path("casse/", _broken),
    path("api/v1/refuse/", _refused),
    path("", include("config.urls")),
]
handler403 = "config.views.permission_denied"
handler500 = "config.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_refused_page_is_the_french_403_in_the_site_s_layout_with_a_way_to_my_space(client):
    client.force_login(UserFactory())

    response = client.get("/refuse/")

    page = response.content.decode()
    assert response.status_code == 403
    assert '<header class="site-header">' in page
    assert "<h1>Accès refusé</h1>" in page
    assert "Vous n'avez pas accès à cette page avec votre compte." in page.replace("&#x27;", "'")
    assert 'href="/compte/espace/"' in page


@override_settings(ROOT_URLCONF=__name__)
def test_a_refused_api_call_is_json(client):
    response = client.get("/api/v1/refuse/")

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "Accès refusé."}


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_shows_the_french_500_in_the_site_s_layout(client):
    client.raise_request_exception = False
    client.force_login(UserFactory())

    response = client.get("/casse/")

    page = response.content.decode()
    assert response.status_code == 500
    assert '<header class="site-header">' in page
    assert "<h1>Une erreur est survenue</h1>" in page
    assert "Se déconnecter" not in page  # rendered without the request: nothing of the session


def test_the_500_page_renders_without_a_request_context():
    request = RequestFactory().get("/commandes/")  # no session, no user: the middleware never ran

    response = config_views.server_error(request)

    assert response.status_code == 500
    assert "<h1>Une erreur est survenue</h1>" in response.content.decode()


def test_the_500_falls_back_to_bare_french_html_if_the_layout_itself_fails(monkeypatch):
    def fail(name):
        raise RuntimeError("template broken")

    monkeypatch.setattr(config_views.loader, "get_template", fail)

    response = config_views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "<h1>Une erreur est survenue</h1>" in response.content.decode()


def test_the_404_page_is_in_the_site_s_layout_and_offers_my_space_when_signed_in(client):
    client.force_login(UserFactory())

    page = client.get("/nulle-part/").content.decode()

    assert '<header class="site-header">' in page
    assert "<h1>Page introuvable</h1>" in page
    assert 'href="/compte/espace/"' in page


def test_the_403_page_for_a_visitor_offers_to_sign_in():
    request = RequestFactory().get("/gestion/caisse/")
    request.user, request.session = AnonymousUser(), SessionStore()

    page = config_views.permission_denied(request, PermissionDenied()).content.decode()

    assert 'href="/auth/login/?next=/gestion/caisse/"' in page
