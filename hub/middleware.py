"""Requests refused before any view: a NUL byte in the path, the query string or a form field; and
the clean 503 answered when the database goes away in the middle of a request.

PostgreSQL refuses NUL in text (`A string literal cannot contain NUL`), so such a value would reach
the first query as a 500. No legitimate request carries one: it is refused here, once for all, with
a French 400 page, or the API's JSON error for `/api/` paths.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

NUL = "\x00"


def _carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path or NUL in request.META.get("QUERY_STRING", ""):
        return True
    for data in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for key, values in data.lists():
            if NUL in key or any(NUL in value for value in values if isinstance(value, str)):
                return True
    return False


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _carries_nul(request):
            message = _("La requête contient un caractère nul : elle est refusée.")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": message}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """The database went away in the middle of a request (a restart, a failover, a connection cut):
    a clean French 503 page, or the API's JSON error under `/api/`, with `Retry-After` — never a 500.

    Whatever the request had written is gone with its transaction (PostgreSQL rolls back a transaction
    whose connection dies); Django drops the broken connection when the request ends, and with
    `CONN_HEALTH_CHECKS` the next request opens a fresh one. The page is rendered without a request
    context: its context processors would query the database again.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
        message = _("Service momentanément indisponible. Rien n'a été enregistré : réessayez dans quelques instants.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "service_unavailable", "message": message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
