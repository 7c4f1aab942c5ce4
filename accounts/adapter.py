from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from accounts.client_ip import client_ip


@dataclass(frozen=True)
class HubSite:
    """What allauth's e-mails call `current_site`: the hub's name and address, not the request host."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**context, "current_site": HubSite(name=settings.SITE_NAME, domain=settings.SITE_URL)}
        super().send_mail(template_prefix, email, context)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own reading raises ImproperlyConfigured (a 500) on a short X-Forwarded-For.
        return client_ip(request)
