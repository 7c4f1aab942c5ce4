"""The OpenAPI schema documents the errors every endpoint can answer, in the shape `errors.py` gives them.

`ErrorSerializer` is that shape. `AutoSchema` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to each
operation the error statuses it can produce, derived from the view once for all:

- 400 on every operation: a write or a query parameter may be invalid (domain refusals too), and any
  address is refused with a NUL byte in its path or query string;
- 401 when the view authenticates (a bad token is refused even where anonymous callers are
  welcome), 403 on writes through a session (CSRF);
- 404 when the path has a parameter, on paginated lists (DRF answers 404 to a page that does not
  exist), when a permission class answers 404 to whoever it refuses (`answers_not_found = True`),
  or when the view says so in `extend_schema(responses=…)`.

A status the view documents itself (with its own description) is kept as it is.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorSerializer(serializers.Serializer):
    """Every API error: a stable code, a French sentence and, for invalid input, the errors per field."""

    code = serializers.CharField(help_text="Code stable : invalid, not_found, not_authenticated, …")
    message = serializers.CharField(help_text="Phrase en français, à montrer telle quelle.")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Données invalides seulement (code « invalid ») : les messages par champ "
        "(`non_field_errors` pour l'ensemble).",
    )


INVALID = OpenApiResponse(
    ErrorSerializer, description="Données invalides, action refusée, ou caractère nul dans l'adresse."
)
NOT_AUTHENTICATED = OpenApiResponse(ErrorSerializer, description="Jeton invalide, ou identification requise.")
CSRF_REFUSED = OpenApiResponse(ErrorSerializer, description="Session sans jeton CSRF valide.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Ressource introuvable ou non accessible.")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Conflit avec l'état actuel (plus de place, par exemple).")


class AutoSchema(SpectacularAutoSchema):
    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors = {}
        # Any request may be refused as invalid: a write or a query parameter, and on every address a
        # NUL byte in the path or the query string (hub.middleware.RefuseNulBytesMiddleware).
        errors["400"] = INVALID
        if self.view.get_authenticators():
            errors["401"] = NOT_AUTHENTICATED
        if self.method in WRITE_METHODS and any(
            isinstance(auth, SessionAuthentication) for auth in self.view.get_authenticators()
        ):
            errors["403"] = CSRF_REFUSED
        if (
            "{" in self.path
            or self._get_pagination_parameters()
            or any(getattr(permission, "answers_not_found", False) for permission in self.view.get_permissions())
        ):
            errors["404"] = NOT_FOUND
        return errors

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
