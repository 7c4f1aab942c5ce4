"""The baseline of bench/catalogue.py: one bare Django view, same rows, a plain template.

No middleware, no sessions, no i18n: what Django itself costs to read one page of offerings from
PostgreSQL and render it. Run with `gunicorn bench.bare_site:application` (DATABASE_URL set).
"""

import os
from decimal import Decimal

import dj_database_url
import django
from django.conf import settings

PAGE_SIZE = 24  # the catalogue's page size; top_up() checks it against services.views


if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-bare-site",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)},
        INSTALLED_APPS=["django.contrib.contenttypes"],
        MIDDLEWARE=[],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "OPTIONS": {}}],
        USE_TZ=True,
    )
    django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import Context, Engine  # noqa: E402
from django.urls import path  # noqa: E402

TEMPLATE = Engine().from_string(
    """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Catalogue</title></head><body><ul>
{% for row in rows %}<li><h2>{{ row.0 }}</h2><p>{{ row.1 }}</p><p>{{ row.2 }}</p><p>{{ row.3 }} €</p></li>{% endfor %}
</ul></body></html>"""
)


def catalogue(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.name, s.name, o.summary, o.price FROM services_offering o"
            " JOIN hub_structure s ON s.id = o.structure_id WHERE o.is_active"
            " ORDER BY o.kind, o.position, o.name LIMIT %s",
            [PAGE_SIZE],
        )
        rows = cursor.fetchall()
    return HttpResponse(TEMPLATE.render(Context({"rows": rows})))


urlpatterns = [path("", catalogue)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()


def top_up(total: int) -> None:
    """Add active offerings (spread over every selling structure) until the catalogue holds `total`."""
    from hub.models import Structure
    from services.models import Offering
    from services.vat import default_vat_treatment
    from services.views import PAGE_SIZE as CATALOGUE_PAGE_SIZE

    assert CATALOGUE_PAGE_SIZE == PAGE_SIZE, "bench/bare_site.py must render as many rows as a catalogue page"

    sellers = list(Structure.objects.sellers())
    existing = Offering.objects.count()
    batch = []
    for index in range(existing, total):
        structure = sellers[index % len(sellers)]
        treatment = default_vat_treatment(structure)
        batch.append(
            Offering(
                structure=structure,
                name=f"Produit du banc d'essai n° {index}",
                slug=f"banc-essai-{index}",
                kind="goods",
                unit="item",
                summary="Un produit de plus pour remplir le catalogue.",
                price=Decimal("3.50") + index % 20,
                vat_rate=treatment.rate,
                vat_exemption_mention=treatment.exemption_mention,
                revenue_account="707",
                position=index,
            )
        )
    Offering.objects.bulk_create(batch, batch_size=500)
