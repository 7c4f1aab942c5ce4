from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from accounts import staff_tools
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

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Each person lands on their work (an explicit `?next=` wins, allauth reads it first): the first
        tool of their first role, in the order of `staff_tools`' sections (supervisor, manager, staff,
        accountant, hub admin, organisation member, resident)."""
        menu = request.session.get(staff_tools.SESSION_KEY)
        if menu is None:
            menu = staff_tools.remember_menu(request, request.user)
        return staff_tools.landing_url(menu) or super().get_login_redirect_url(request)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own reading raises ImproperlyConfigured (a 500) on a short X-Forwarded-For.
        return client_ip(request)
