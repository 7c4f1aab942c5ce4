from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


@dataclass(frozen=True)
class HubSite:
    """What allauth's e-mails call `current_site`: the hub's name and address, not the request host."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**context, "current_site": HubSite(name=settings.SITE_NAME, domain=settings.SITE_URL)}
        super().send_mail(template_prefix, email, context)
