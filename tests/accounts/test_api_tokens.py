"""API tokens: stored as a digest, shown once, expiring after API_TOKEN_TTL_DAYS, revocable from
« Mon compte » and from the API; an expired or revoked token gets a JSON 401 saying which."""

import hashlib
import importlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.actions import MAX_ACTIVE_API_TOKENS, create_api_token
from accounts.api.authentication import FAILURES_PER_MINUTE
from accounts.exceptions import AccountError
from accounts.models import ApiToken
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
TOKENS = "/api/v1/tokens/"


def _auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {secret}"}


# --- Creation ---------------------------------------------------------------------------------


def test_a_token_is_created_on_the_page_and_its_secret_shown_once(client, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    person = UserFactory()
    client.force_login(person)
    before = timezone.now()
    response = client.post(reverse("accounts:api_tokens"), {"name": "Tableur de la crèche"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("pole_")
    assert len(secret) == 48
    html = response.content.decode()
    assert f"<code>{secret}</code>" in html
    assert "Copiez-le maintenant : il ne sera plus jamais affiché." in html

    token = ApiToken.objects.get(user=person)
    assert token.name == "Tableur de la crèche"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    assert secret not in {str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()}
    assert before <= token.created_at <= timezone.now()
    assert token.expires_at == token.created_at + timedelta(days=30)
    assert (token.last_used_at, token.revoked_at) == (None, None)

    page = client.get(reverse("accounts:api_tokens"))
    assert secret not in page.content.decode()
    assert f"<code>{secret[:12]}…</code>" in page.content.decode()


def test_the_lifetime_comes_from_the_setting(settings):
    settings.API_TOKEN_TTL_DAYS = 7
    token, _secret = create_api_token(user=UserFactory(), name="Script")
    assert token.expires_at - token.created_at == timedelta(days=7)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Ce champ est obligatoire."),
        ("x" * 101, "Assurez-vous que cette valeur comporte au plus 100 caractères (actuellement 101)."),
    ],
)
def test_a_token_needs_a_short_name(client, name, message):
    person = UserFactory()
    client.force_login(person)
    response = client.post(reverse("accounts:api_tokens"), {"name": name})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [message]
    assert response.context["secret"] is None
    assert not ApiToken.objects.filter(user=person).exists()


def test_the_action_refuses_a_blank_or_long_name():
    person = UserFactory()
    with pytest.raises(AccountError, match="Donnez un nom au jeton"):
        create_api_token(user=person, name="  ")
    with pytest.raises(AccountError, match="ne doit pas dépasser 100 caractères"):
        create_api_token(user=person, name="x" * 101)
    assert not ApiToken.objects.filter(user=person).exists()


def test_a_person_keeps_at_most_ten_live_tokens(client):
    person = UserFactory()
    for number in range(MAX_ACTIVE_API_TOKENS):
        create_api_token(user=person, name=f"Outil {number}")
    client.force_login(person)
    response = client.post(reverse("accounts:api_tokens"), {"name": "Un de trop"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "Vous avez déjà 10 jetons actifs : révoquez-en un avant d'en créer un autre."
    ]
    assert ApiToken.objects.filter(user=person).count() == MAX_ACTIVE_API_TOKENS
    # A revoked one frees a place.
    client.post(reverse("accounts:api_token_revoke", args=[ApiToken.objects.filter(user=person).first().pk]))
    response = client.post(reverse("accounts:api_tokens"), {"name": "Le suivant"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=person).count() == MAX_ACTIVE_API_TOKENS + 1


# --- Using a token ----------------------------------------------------------------------------


def test_a_live_token_authenticates_and_its_use_is_noted(client):
    person = UserFactory()
    token, secret = create_api_token(user=person, name="Script")
    response = client.get(TOKENS, **_auth(secret))
    assert response.status_code == 200
    body = response.json()
    assert [(row["id"], row["name"], row["prefix"], row["status"]) for row in body["results"]] == [
        (token.pk, "Script", secret[:12], "active")
    ]
    assert "digest" not in body["results"][0]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_gets_a_json_401_saying_so(client):
    person = UserFactory()
    token, secret = create_api_token(user=person, name="Script")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=datetime(2026, 10, 4, 10, 0, tzinfo=UTC), expires_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    )
    response = client.get(TOKENS, **_auth(secret))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "token_expired",
        "message": "Ce jeton d'API a expiré le 3 novembre 2026 : créez-en un autre dans « Mon compte » → « Jetons d'API ».",
    }
    token.refresh_from_db()
    assert token.last_used_at is None


def test_a_revoked_token_gets_a_json_401_saying_so(client):
    token, secret = create_api_token(user=UserFactory(), name="Script")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = client.get(TOKENS, **_auth(secret))
    assert response.status_code == 401
    assert response.json() == {
        "code": "token_revoked",
        "message": "Ce jeton d'API a été révoqué : créez-en un autre dans « Mon compte » → « Jetons d'API ».",
    }


def test_an_unknown_or_oversized_token_is_refused(client):
    for secret in ("pole_inconnu", "x" * 5000):
        response = client.get(TOKENS, **_auth(secret))
        assert response.status_code == 401
        assert response.json() == {"code": "authentication_failed", "message": "Mauvais jeton d'identification."}


@pytest.mark.redis
def test_guessing_tokens_from_one_address_is_throttled(client):
    _token, secret = create_api_token(user=UserFactory(), name="Script")
    for number in range(FAILURES_PER_MINUTE):
        response = client.get(TOKENS, REMOTE_ADDR="203.0.113.20", **_auth(f"pole_essai{number}"))
        assert response.status_code == 401
    response = client.get(TOKENS, REMOTE_ADDR="203.0.113.20", **_auth(secret))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert body["message"] == (
        f"Trop de jetons refusés depuis votre adresse. Disponible à nouveau dans {response['Retry-After']} secondes."
    )
    # Another address is not concerned.
    response = client.get(TOKENS, REMOTE_ADDR="203.0.113.21", **_auth(secret))
    assert response.status_code == 200


# --- Revoking ---------------------------------------------------------------------------------


def test_the_page_lists_tokens_with_a_confirmed_revoke_button(client):
    person = UserFactory()
    token, _secret = create_api_token(user=person, name="Tableur")
    client.force_login(person)
    html = client.get(reverse("accounts:api_tokens")).content.decode()
    action = reverse("accounts:api_token_revoke", args=[token.pk])
    assert f'action="{action}"' in html
    assert (
        "data-confirm=\"Révoquer le jeton « Tableur » ? Les outils qui s'en servent perdront l'accès à l'API.\"" in html
    )


def test_revoking_on_the_page(client):
    person = UserFactory()
    token, secret = create_api_token(user=person, name="Tableur")
    client.force_login(person)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(reverse("accounts:api_tokens"), 302)]
    assert "Le jeton « Tableur » est révoqué : il ne fonctionne plus." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(TOKENS, **_auth(secret)).json()["code"] == "token_revoked"


def test_nobody_revokes_someone_elses_token(client):
    token, secret = create_api_token(user=UserFactory(), name="Tableur")
    intruder = UserFactory()
    client.force_login(intruder)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    client.logout()
    _mine, my_secret = create_api_token(user=intruder, name="Le mien")
    response = client.post(f"{TOKENS}{token.pk}/revoke/", **_auth(my_secret))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Ressource introuvable."}
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(TOKENS, **_auth(secret)).status_code == 200


def test_revoking_needs_a_post(client):
    person = UserFactory()
    token, _secret = create_api_token(user=person, name="Tableur")
    client.force_login(person)
    assert client.get(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_through_the_api_then_the_token_is_refused(client):
    person = UserFactory()
    token, secret = create_api_token(user=person, name="Script")
    response = client.post(f"{TOKENS}{token.pk}/revoke/", **_auth(secret))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (token.pk, "revoked")
    token.refresh_from_db()
    revoked_at = token.revoked_at
    assert revoked_at is not None
    assert client.get(TOKENS, **_auth(secret)).json()["code"] == "token_revoked"
    # Revoking again (signed in another way) changes nothing.
    client.force_login(person)
    response = client.post(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_the_data_export_lists_the_tokens_without_their_secret(client):
    person = UserFactory()
    token, secret = create_api_token(user=person, name="Tableur")
    client.force_login(person)
    response = client.get(reverse("accounts:export"))
    assert secret not in response.content.decode()
    assert response.json()["jetons_api"] == [
        {
            "nom": "Tableur",
            "cree_le": token.created_at.isoformat(),
            "expire_le": token.expires_at.isoformat(),
            "derniere_utilisation": None,
            "revoque_le": None,
        }
    ]


# --- Configuration ----------------------------------------------------------------------------


def _production_ttl(value: str):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "x7$k2!m9q@p4w8z#r6t1v3y5u0i-o_e+a=s*d&f^g%h~j|l:n;b,c.m?qwerty",
        "API_TOKEN_TTL_DAYS": value,
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.API_TOKEN_TTL_DAYS)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_hub_sets_the_token_lifetime():
    result = _production_ttl("90")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "90"
    result = _production_ttl("0")
    assert result.returncode != 0
    assert "API_TOKEN_TTL_DAYS must be between 1 and 366" in result.stderr


# --- Upgrade ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_tokens_made_before_keep_working_until_they_expire_and_their_plain_keys_are_erased(client, settings):
    """The data migration, run on a database that still has DRF's authtoken table."""
    settings.API_TOKEN_TTL_DAYS = 30
    migration = importlib.import_module("accounts.migrations.0003_api_tokens_from_drf_tokens")
    person = UserFactory()
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id bigint)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [old_key, person.pk])
    with connection.schema_editor() as schema_editor:
        migration.copy_drf_tokens(django_apps, schema_editor)

    token = ApiToken.objects.get(user=person)
    assert token.digest == hashlib.sha256(old_key.encode()).hexdigest()
    assert token.expires_at - token.created_at == timedelta(days=30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    response = client.get(TOKENS, **_auth(old_key))
    assert response.status_code == 200
    assert response.json()["results"][0]["name"] == "Jeton créé avant l'expiration des jetons"


# --- Query counts -----------------------------------------------------------------------------


def test_the_token_page_and_endpoint_queries_do_not_grow_with_the_tokens(client, django_assert_num_queries):
    person = UserFactory()
    for number in range(MAX_ACTIVE_API_TOKENS):
        _token, secret = create_api_token(user=person, name=f"Outil {number}")
    client.force_login(person)
    with django_assert_num_queries(3):  # session, user, the tokens
        response = client.get(reverse("accounts:api_tokens"))
    assert response.content.decode().count('class="inline-form" data-confirm=') == MAX_ACTIVE_API_TOKENS
    client.logout()
    # the token with its user, its use noted (first use), the page count, the page
    with django_assert_num_queries(4):
        response = client.get(TOKENS, **_auth(secret))
    assert response.json()["count"] == MAX_ACTIVE_API_TOKENS
    with django_assert_num_queries(3):  # used a moment ago: no write
        client.get(TOKENS, **_auth(secret))
