"""Framework-level views that belong to no app."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database check failed")
        return "error"
    return "ok"


def _check_broker() -> str:
    if not settings.CELERY_BROKER_URL or settings.CELERY_BROKER_URL.startswith("memory://"):
        return "not_configured"  # tasks run eagerly, in-process
    from config.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("healthz: broker check failed")
        return "error"
    return "ok"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(value in {"ok", "not_configured"} for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the API's JSON error under /api/ (an unknown endpoint too), the French page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "message": _("Ressource introuvable.")}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: the API's JSON error under /api/, the French page in the site's layout elsewhere."""
    if _wants_json(request):
        return JsonResponse({"code": "permission_denied", "message": _("Accès refusé.")}, status=403)
    return defaults.permission_denied(request, exception)


# What is shown if even the layout cannot be rendered (the error may be in a template tag).
_BARE_500 = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur · Pôle Économie Solidaire</title>'
    "</head><body><main><h1>Une erreur est survenue</h1><p>Nous avons été prévenus. Merci de réessayer dans "
    'quelques minutes.</p><p><a href="/">Revenir à l\'accueil</a></p></main></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the API's JSON error under /api/, the French page elsewhere — in the site's layout,
    rendered without the request (no session, user or database: they may be what failed)."""
    if _wants_json(request):
        message = _("Erreur interne du serveur : réessayez plus tard.")
        return JsonResponse({"code": "server_error", "message": message}, status=500)
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        logger.exception("The 500 page could not be rendered")
        body = _BARE_500
    return HttpResponse(body, status=500)
