import urllib.parse
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from hub.models import Structure
from marketplace import stripe_gateway


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
        webhook_url = settings.SITE_URL + reverse("marketplace:stripe_webhook")
        data = urllib.parse.urlencode({"url": webhook_url, "secret": settings.STRIPE_WEBHOOK_SECRET}).encode()
        request = urllib.request.Request(f"{settings.STRIPE_API_BASE}/_config/webhooks/demo", data=data, method="POST")
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 — a local address from the settings
            pass
        self.stdout.write(f"Stripe local prêt ({settings.STRIPE_API_BASE}), webhook → {webhook_url}")
