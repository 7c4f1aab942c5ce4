import pytest

from hub.models import Structure
from tests.marketplace.stripe_helpers import WEBHOOK_SECRET


@pytest.fixture
def stripe_env(settings, localstripe, demo_hub):
    """Point the project at the local Stripe server and give every seller a connected account."""
    settings.STRIPE_SECRET_KEY = localstripe.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = localstripe.publishable_key
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_JS_URL = localstripe.stripe_js_url
    client = localstripe.client()
    for structure in Structure.objects.sellers():
        account = client.v1.accounts.create(params={"type": "express", "country": "FR"})
        Structure.objects.filter(pk=structure.pk).update(stripe_account_id=account.id)
    return client
