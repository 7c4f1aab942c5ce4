"""`Authorization: Token <secret>` for the API, with tokens that expire and can be revoked.

An expired or revoked token answers a JSON 401 saying which (`token_expired`, `token_revoked`), so
a script's owner knows to make a new one. Failed token checks are counted per client address in
the shared cache: past FAILURES_PER_MINUTE in a minute, that address gets 429s until the minute
ends, which makes guessing secrets pointless (they are 256 random bits anyway).
"""

import time

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.client_ip import client_ip
from accounts.models import ApiToken

FAILURES_PER_MINUTE = 20
MAX_SECRET_LENGTH = 100  # ours are 48 characters; longer is not worth hashing


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"


class TokenRevoked(exceptions.AuthenticationFailed):
    default_code = "token_revoked"


def _failures_key(request: Request) -> str:
    return f"api-token-failures:{client_ip(request)}:{int(time.time() // 60)}"


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token: the next authentication (session) or anonymous
        key = _failures_key(request)
        if (cache.get(key) or 0) >= FAILURES_PER_MINUTE:
            raise exceptions.Throttled(
                wait=60 - int(time.time() % 60),
                detail=_("Trop de jetons refusés depuis votre adresse."),  # DRF adds the seconds to wait
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            cache.add(key, 0, timeout=120)
            cache.incr(key)
            raise

    def authenticate_credentials(self, key: str):
        if len(key) > MAX_SECRET_LENGTH:
            raise exceptions.AuthenticationFailed(_("Mauvais jeton d'identification."))
        token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Mauvais jeton d'identification."))
        now = timezone.now()
        if token.is_revoked:
            raise TokenRevoked(
                _("Ce jeton d'API a été révoqué : créez-en un autre dans « Mon compte » → « Jetons d'API »."),
            )
        if token.is_expired(at=now):
            raise TokenExpired(
                _("Ce jeton d'API a expiré le %(date)s : créez-en un autre dans « Mon compte » → « Jetons d'API ».")
                % {"date": date_format(timezone.localtime(token.expires_at), "j F Y")}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Utilisateur inactif ou supprimé."))
        token.mark_used(at=now)
        return (token.user, token)
