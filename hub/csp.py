"""Content-Security-Policy on every HTML page: scripts, frames and connections only from us and
Stripe, no inline script or style, no plugin, no framing of our pages.

Templates therefore keep no inline `<script>`, `<style>`, `style=` or `on…=` attribute (a test scans
them): behaviour lives in `static/js/`, looks in `static/css/`. Stripe's hosts come from the settings
too, so the demo and the tests, which load Stripe.js from the local fake server, stay allowed.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy() -> str:
    stripe_js = _origin(settings.STRIPE_JS_URL)
    stripe_api = _origin(settings.STRIPE_API_BASE)
    media = _origin(settings.MEDIA_URL)  # offering images on an object store (S3) when MEDIA_URL is absolute
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "https://js.stripe.com", stripe_js],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com", stripe_js],
        "connect-src": ["'self'", "https://api.stripe.com", stripe_api],
        "img-src": ["'self'", "data:", media],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(
        f"{name} {' '.join(dict.fromkeys(source for source in sources if source))}"
        for name, sources in directives.items()
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        # Django's own debug pages (DEBUG only) are made of inline styles and scripts.
        if settings.DEBUG and response.status_code >= 400:
            return response
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response
