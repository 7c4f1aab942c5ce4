"""The hub sets how long a sign-in lasts (SESSION_COOKIE_AGE_HOURS); the cookie carries it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_AGE, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE)"
)


def _production_settings(**extra):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "x7$k2!m9q@p4w8z#r6t1v3y5u0i-o_e+a=s*d&f^g%h~j|l:n;b,c.m?qwerty",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_hub_sets_the_session_length_in_hours_and_the_cookie_stays_secure():
    result = _production_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(14 * 24 * 3600), "True", "True", "Lax"]
    result = _production_settings(SESSION_COOKIE_AGE_HOURS="8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(8 * 3600), "True", "True", "Lax"]


@pytest.mark.parametrize("hours", ["0", "-3", "9000"])
def test_an_out_of_range_session_length_refuses_to_start(hours):
    result = _production_settings(SESSION_COOKIE_AGE_HOURS=hours)
    assert result.returncode != 0
    assert "SESSION_COOKIE_AGE_HOURS must be between 1 and 8784" in result.stderr


@pytest.mark.django_db
def test_the_session_length_reaches_the_cookie(client, settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    person = UserFactory()
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD, "remember": "on"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 8 * 3600
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
