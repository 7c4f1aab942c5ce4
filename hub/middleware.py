"""Requests refused before any view: a NUL byte in the path, the query string or a form field.

PostgreSQL refuses NUL in text (`A string literal cannot contain NUL`), so such a value would reach
the first query as a 500. No legitimate request carries one: it is refused here, once for all, with
a French 400 page, or the API's JSON error for `/api/` paths.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

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
