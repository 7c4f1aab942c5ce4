"""Suite-wide fixtures and the rules for tests that need a real service.

Markers `postgres`, `redis` and `e2e` skip their tests when the service is missing, and say so
at the end of the run; with REQUIRE_SERVICES=1 (CI) a missing service is an error instead.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# The local fake Stripe server (devtools/localstripe_server.py), started once per worker when used.
pytest_plugins = ["tests.stripe_fixtures"]


def _missing_services() -> dict[str, str]:
    missing = {}
    if connection.vendor != "postgresql":
        missing["postgres"] = "DATABASE_URL ne pointe pas vers PostgreSQL"
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        missing["redis"] = "CELERY_BROKER_URL ne pointe pas vers Redis"
    if not shutil.which(CHROMIUM):
        missing["e2e"] = f"Chromium introuvable ({CHROMIUM})"
    return missing


def pytest_collection_modifyitems(config, items):
    missing = _missing_services()
    required = os.environ.get("REQUIRE_SERVICES") == "1"
    needed = {marker for item in items for marker in missing if item.get_closest_marker(marker)}
    if required and needed:
        raise pytest.UsageError(
            "REQUIRE_SERVICES=1 but these services are missing: "
            + "; ".join(f"{marker}: {missing[marker]}" for marker in sorted(needed))
        )
    for item in items:
        for marker, reason in missing.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"service absent — {reason}"))
    config._missing_services = {marker: missing[marker] for marker in needed}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    missing = getattr(config, "_missing_services", {})
    if missing:
        terminalreporter.section("services absents")
        for marker, reason in sorted(missing.items()):
            terminalreporter.write_line(f"tests « {marker} » ignorés : {reason}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo hub once per test session; each test then rolls back its own changes."""
    with django_db_blocker.unblock():
        call_command("seed_demo", force=True, verbosity=0)


@pytest.fixture
def demo_hub(db):
    """The demo hub, re-seeded if a transactional test flushed it earlier in this session."""
    from hub.models import Structure

    if not Structure.objects.filter(slug="jardins-du-pole").exists():
        call_command("seed_demo", force=True, verbosity=0)
    return Structure.objects.order_by("position")


@pytest.fixture(autouse=True)
def _fresh_catalogue_caches():
    """The catalogue's in-process page and card caches start empty in every test."""
    from services import catalogue_cache
    from services.templatetags import catalogue

    catalogue_cache.clear()
    catalogue.clear()


def clear_cache() -> None:
    """Empty this test process's cache keys (login rate limits), never the whole Redis database:
    the broker and other xdist workers share it."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with no rate-limit counters (one run shares one cache)."""
    clear_cache()


@pytest.fixture(autouse=True)
def _french_first():
    """Every test starts in French, whatever a previous test switched to (LocaleMiddleware keeps it)."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.deactivate()
