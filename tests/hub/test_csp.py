"""Content-Security-Policy: on HTML responses only, and no template relies on an inline script,
style or event handler that the policy would block."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from hub.csp import ContentSecurityPolicyMiddleware, content_security_policy

ROOT = Path(__file__).resolve().parent.parent.parent
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.IGNORECASE)


def _served_templates() -> list[Path]:
    """Every project template a browser may receive; *_pdf.html are rendered to PDF by WeasyPrint."""
    folders = [Path(folder) for folder in engines["django"].engine.dirs]
    folders += [ROOT / app / "templates" for app in django_settings.INSTALLED_APPS if (ROOT / app).is_dir()]
    return sorted(path for folder in folders for path in folder.rglob("*.html") if not path.name.endswith("_pdf.html"))


def test_the_template_scan_sees_the_project_templates():
    names = {path.relative_to(ROOT).as_posix() for path in _served_templates()}
    assert "templates/base.html" in names
    assert "marketplace/templates/marketplace/order_pay.html" in names
    assert "subscriptions/templates/subscriptions/card.html" in names
    assert "subscriptions/templates/subscriptions/pick_list_pdf.html" not in names


@pytest.mark.parametrize(
    ("pattern", "what"),
    [(INLINE_SCRIPT, "inline <script>"), (EVENT_HANDLER, "on…= handler"), (STYLE, "inline style")],
)
def test_no_template_keeps_what_the_policy_blocks(pattern, what):
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _served_templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == [], f"{what} in templates (move it to static/js or static/css): {offenders}"


@pytest.mark.parametrize(
    ("html", "pattern"),
    [
        ("<script>alert(1)</script>", INLINE_SCRIPT),
        ('<script type="module">', INLINE_SCRIPT),
        ('<button type="button" onclick="window.print()">', EVENT_HANDLER),
        ('<span class="bar" style="width: 5%">', STYLE),
        ("<style>body{}</style>", STYLE),
    ],
)
def test_the_scan_catches_each_kind(html, pattern):
    assert pattern.search(html)


@pytest.mark.parametrize(
    "html", ['<script src="/static/js/confirm.js" defer></script>', '<form data-confirm="Sûr ?">', "<p>style</p>"]
)
def test_the_scan_lets_allowed_markup_through(html):
    assert not any(pattern.search(html) for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE))


@pytest.mark.django_db
def test_json_responses_carry_no_policy(client):
    response = client.get("/api/v1/structures/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


@pytest.mark.django_db
def test_french_error_pages_carry_the_policy(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert response["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self' ")


def test_an_object_store_for_media_is_allowed_for_images(settings):
    settings.MEDIA_URL = "https://medias.exemple.org/pole/"
    assert "; img-src 'self' data: https://medias.exemple.org; " in content_security_policy()
    settings.MEDIA_URL = "/media/"
    assert "; img-src 'self' data:; " in content_security_policy()


@pytest.mark.django_db
def test_the_api_docs_start_without_inline_script(client):
    response = client.get(reverse("api-docs"))
    html = response.content.decode()
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _respond(status: int, content_type: str = "text/html; charset=utf-8"):
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(status=status, content_type=content_type))
    return middleware(RequestFactory().get("/"))


def test_django_debug_pages_are_left_alone_only_in_debug(settings):
    """Django's technical 404/500 pages (DEBUG only) are inline styles and scripts."""
    settings.DEBUG = True
    assert "Content-Security-Policy" not in _respond(500)
    assert "Content-Security-Policy" in _respond(200)
    settings.DEBUG = False
    assert "Content-Security-Policy" in _respond(500)
    assert "Content-Security-Policy" not in _respond(200, "text/csv")
