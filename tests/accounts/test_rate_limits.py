"""Login rate limits: counted in Redis (shared by every process), per client address behind the
configured number of proxies, per account, and the back-office login (/admin/login/) under them."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from django.urls import reverse

from accounts.client_ip import client_ip
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

ROOT = Path(__file__).resolve().parent.parent.parent
LOCKOUT = "Trop de tentatives de connexion échouées. Veuillez réessayer ultérieurement."


def _login(client, email, password, **headers):
    return client.post(reverse("admin:login"), {"login": email, "password": password, "next": "/admin/"}, **headers)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_cache_is_redis():
    assert isinstance(caches["default"], RedisCache)


def test_thirty_wrong_passwords_on_the_admin_login_then_the_right_one_is_refused(client):
    admin = UserFactory(hub_admin=True)
    for _ in range(30):
        response = _login(client, admin.email, "pas-le-bon")
        assert response.status_code == 200  # the form again, with an error
        assert not _signed_in(client)
    response = _login(client, admin.email, PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert not _signed_in(client)
    admin.refresh_from_db()
    assert admin.last_login is None


def test_the_admin_login_is_the_site_login_and_signs_in_with_the_right_password(client):
    admin = UserFactory(hub_admin=True)
    response = _login(client, admin.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert _signed_in(client)
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_the_admin_login_page_sends_to_the_site_login(client):
    response = client.get(reverse("admin:login") + "?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Faccounts%2Fuser%2F"
    response = client.get(reverse("admin:login"))
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_a_signed_in_resident_gets_a_french_refusal_not_a_password_form(client):
    resident = UserFactory()
    client.force_login(resident)
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 403
    html = response.content.decode()
    assert f"Vous êtes connecté·e en tant que {resident.email} : ce compte n'a pas accès au back-office." in html
    assert 'name="password"' not in html


def test_an_account_is_locked_after_five_failures_whatever_the_address(client):
    person = UserFactory()
    for number in range(5):
        response = _login(client, person.email, "pas-le-bon", REMOTE_ADDR=f"192.0.2.{number + 1}")
        assert response.status_code == 200
        assert LOCKOUT not in response.content.decode()
    response = _login(client, person.email, PASSWORD, REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 200
    assert LOCKOUT in response.content.decode()
    assert not _signed_in(client)
    # Another account from the same addresses is not locked.
    other = UserFactory()
    response = _login(client, other.email, PASSWORD, REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 302
    assert _signed_in(client)


def _burn_the_login_limit(client, forwarded_for: str) -> None:
    for _ in range(30):
        response = _login(
            client, "inconnu@exemple.test", "pas-le-bon", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
        )
        assert response.status_code == 200
    response = _login(
        client, "inconnu@exemple.test", "pas-le-bon", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
    )
    assert response.status_code == 429


def test_behind_one_trusted_proxy_two_clients_are_counted_apart(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    person = UserFactory()
    _burn_the_login_limit(client, "198.51.100.1")
    # The attacker's neighbour behind the same proxy signs in.
    response = _login(client, person.email, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_forged_forwarded_for_does_not_escape_the_limit_behind_one_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    person = UserFactory()
    _burn_the_login_limit(client, "198.51.100.1")
    # The proxy appends the address it saw; what the client wrote itself is further left.
    response = _login(
        client, person.email, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50, 198.51.100.1"
    )
    assert response.status_code == 429
    assert not _signed_in(client)


def test_without_trusted_proxies_the_forwarded_for_header_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    person = UserFactory()
    _burn_the_login_limit(client, "198.51.100.1")
    response = _login(client, person.email, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 429
    assert not _signed_in(client)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.2", "10.0.0.1"),
        (1, "198.51.100.2", "198.51.100.2"),
        (1, "203.0.113.50, 198.51.100.2", "198.51.100.2"),
        (2, "203.0.113.50, 198.51.100.2, 10.0.0.2", "198.51.100.2"),
        (2, "198.51.100.2", "10.0.0.1"),  # shorter than the proxy chain: not through our proxies
        (1, "pas-une-adresse", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_forwarded_for_shorter_than_the_proxy_chain_is_no_error(client, settings):
    settings.TRUSTED_PROXY_COUNT = 3
    response = _login(client, "inconnu@exemple.test", "pas-le-bon", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == 200


def _other_process(script: str) -> str:
    """Run `script` in a separate Python process on the same settings (so the same Redis)."""
    code = "import django\ndjango.setup()\n" + textwrap.dedent(script)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


CONSUME = """
from allauth.core import ratelimit
from django.test import RequestFactory
request = RequestFactory().post("/auth/login/", REMOTE_ADDR="{address}")
print(sum(bool(ratelimit.consume(request, action="login", dry_run={dry_run})) for _ in range({times})))
"""


def test_attempts_counted_by_another_process_are_enforced_here(client):
    admin = UserFactory(hub_admin=True)
    # Another web process takes the 30 attempts of this minute for 203.0.113.7 ...
    assert _other_process(CONSUME.format(address="203.0.113.7", dry_run=False, times=30)) == "30"
    # ... and this one refuses the 31st, even with the right password.
    response = _login(client, admin.email, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert not _signed_in(client)


def test_attempts_counted_here_are_seen_by_another_process(client):
    for _ in range(30):
        _login(client, "inconnu@exemple.test", "pas-le-bon", REMOTE_ADDR="203.0.113.8")
    # A dry run in another process: the next attempt from this address would be refused there too.
    assert _other_process(CONSUME.format(address="203.0.113.8", dry_run=True, times=1)) == "0"
    assert _other_process(CONSUME.format(address="203.0.113.9", dry_run=True, times=1)) == "1"


def test_the_account_deletion_form_does_not_let_a_session_guess_the_password(client):
    person = UserFactory()
    client.force_login(person)
    for _ in range(10):  # allauth's « reauthenticate » limit: 10 a minute per account
        response = client.post(reverse("accounts:delete"), {"password": "pas-le-bon", "confirm": "on"})
        assert response.status_code == 400
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 429
    person.refresh_from_db()
    assert (person.is_active, person.anonymised_at) == (True, None)
