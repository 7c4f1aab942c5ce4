"""Every API error is JSON: {"code": "...", "message": "<French sentence>", "errors": {...}}."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hub.exceptions import DomainError


class Refused(exceptions.APIException):
    """A domain refusal as JSON: {"code": "<error code>", "message": "<French sentence>"} (400)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, error: DomainError) -> None:
        super().__init__(detail=error.message, code=error.code)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):  # an action's refusal that the view did not wrap
        exc = Refused(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": _("Les données envoyées ne sont pas valides."),
            "errors": response.data if isinstance(response.data, dict) else {"non_field_errors": response.data},
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        body = {
            "code": codes if isinstance(codes, str) else exc.default_code,
            "message": str(exc.detail) if not isinstance(exc.detail, (list, dict)) else str(exc.default_detail),
        }
    else:  # Http404 and PermissionDenied from Django, converted by DRF
        body = {"code": "error", "message": str(response.data.get("detail", ""))}
    if response.status_code == 404 and body["code"] in {"error", "not_found"}:
        body = {"code": "not_found", "message": _("Ressource introuvable.")}
    response.data = body
    return response
