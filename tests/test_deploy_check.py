"""Production settings pass `manage.py check --deploy` with no warning at all."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _production_env(tmp_path, **extra: str) -> dict[str, str]:
    """The environment of a production start (base settings, a secret key, a host, a broker)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "x7$k2!m9q@p4w8z#r6t1v3y5u0i-o_e+a=s*d&f^g%h~j|l:n;b,c.m?qwerty",
        "DJANGO_ALLOWED_HOSTS": "pole.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        **extra,
    }


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = _production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_s3_settings_put_media_and_private_documents_in_one_bucket_under_two_prefixes(tmp_path):
    """Several web machines without a shared disk: `S3_BUCKET` selects django-storages' S3 backend for
    media (public, MEDIA_URL the bucket's address) and private documents (no public URL, private ACL);
    the production deploy check stays clean. No request is made to S3 here."""
    env = _production_env(
        tmp_path,
        S3_BUCKET="pole-fichiers",
        S3_ENDPOINT_URL="https://s3.fr-par.example.net",
        S3_REGION="fr-par",
        S3_ACCESS_KEY_ID="cle",
        S3_SECRET_ACCESS_KEY="secret",
        S3_MEDIA_URL="https://pole-fichiers.s3.fr-par.example.net/media/",
    )
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import storages\n"
        "for name in ('default', 'private'):\n"
        "    s = storages[name]\n"
        "    print(name, type(s).__name__, s.bucket_name, s.location, s.endpoint_url, s.querystring_auth, s.default_acl)\n"
        "print(settings.MEDIA_URL)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "default S3Storage pole-fichiers media https://s3.fr-par.example.net False None",
        "private S3Storage pole-fichiers private https://s3.fr-par.example.net True private",
        "https://pole-fichiers.s3.fr-par.example.net/media/",
    ]
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
