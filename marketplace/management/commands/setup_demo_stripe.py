import urllib.parse
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from hub.enums import StructureKind
from hub.models import Structure
from hub.money import to_cents
from marketplace import stripe_gateway
from marketplace.reconciliation import books_stripe_balances


class Command(BaseCommand):
    help = (
        "Démo : crée un compte connecté Stripe par structure vendeuse sur le faux serveur Stripe local "
        "et y déclare le webhook du site. Refuse de tourner contre le vrai Stripe."
    )

    def handle(self, *args, **options):
        if not settings.STRIPE_API_BASE:
            raise CommandError(
                "STRIPE_API_BASE est vide : cette commande ne sert qu'avec le faux serveur Stripe local."
            )
        client = stripe_gateway.client()
        for structure in Structure.objects.sellers().order_by("position"):
            account = client.v1.accounts.create(
                params={
                    "type": "express",
                    "country": "FR",
                    "email": structure.email,
                    "metadata": {"slug": structure.slug},
                }
            )
            Structure.objects.filter(pk=structure.pk).update(stripe_account_id=account.id)
        # The demo's history was seeded before this server ran: each account opens at what the books say
        # Stripe holds, so the nightly reconciliation compares like with like from here on.
        held = books_stripe_balances()
        openings = [("", held.get(Structure.objects.collective().pk))]
        openings += [(account, held.get(pk)) for pk, account in Structure.objects.exclude(stripe_account_id="")
                     .exclude(kind=StructureKind.COLLECTIVE).values_list("pk", "stripe_account_id")]  # fmt: skip
        for account, amount in openings:
            if amount:
                self._post("/_config/balances", {"account": account, "amount": to_cents(amount)})
        webhook_url = settings.SITE_URL + reverse("marketplace:stripe_webhook")
        self._post("/_config/webhooks/demo", {"url": webhook_url, "secret": settings.STRIPE_WEBHOOK_SECRET})
        self.stdout.write(f"Stripe local prêt ({settings.STRIPE_API_BASE}), webhook → {webhook_url}")

    def _post(self, path: str, fields: dict) -> None:
        """The local server's own configuration routes (never Stripe's API)."""
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(f"{settings.STRIPE_API_BASE}{path}", data=data, method="POST")
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 — a local address from the settings
            pass
