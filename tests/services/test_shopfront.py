"""A structure's public page (its shopfront) and offering photos: bounded uploads with their alt text."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from services.models import Offering
from tests.hub.factories import SiteFactory, StructureFactory, StructureRoleFactory
from tests.insertion.factories import WorkerFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _png(size=(40, 30), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#2f7d32").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def garden(db):
    garden = StructureFactory(name="Jardins du Loing", description="Maraîchage biologique en insertion.")
    OfferingFactory(structure=garden, name="Panier de légumes", basket=True, position=1)
    OfferingFactory(structure=garden, name="Œufs bio", position=2)
    OfferingFactory(structure=garden, name="Confiture retirée de la vente", inactive=True)
    OfferingFactory(name="Café d'une autre structure")
    SiteFactory(structure=garden, name="Parcelles du Loing", opening_hours="Lundi au vendredi, 8 h – 12 h")
    SiteFactory(structure=garden, name="Serre fermée", closed=True)
    SiteFactory(name="Épicerie de Château-Landon", pickup_point=True)
    return garden


def test_the_structure_page_is_public_and_lists_only_its_active_offerings_and_places(client, garden):
    WorkerFactory(structure=garden, first_name="Yasmina", last_name="Confidentielle")

    response = client.get(f"/catalogue/structures/{garden.slug}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Jardins du Loing</h1>" in page
    assert "Maraîchage biologique en insertion." in page
    assert ("Panier de légumes" in page, "Œufs bio" in page) == (True, True)
    assert "10,00\u00a0€" in page
    assert page.index("Panier de légumes") < page.index("Œufs bio")
    assert ("Confiture retirée de la vente" in page, "Café d'une autre structure" in page) == (False, False)
    assert "Parcelles du Loing" in page
    assert "Lundi au vendredi, 8 h – 12 h" in page
    assert "Serre fermée" not in page
    # Baskets are fetched at the hub's pickup points: they are listed with their hours.
    assert "Épicerie de Château-Landon" in page
    assert "Mardi, 16 h – 19 h" in page
    assert ("Yasmina" in page, "Confidentielle" in page) == (False, False)


def test_a_structure_selling_nothing_picked_up_lists_no_pickup_point(client):
    services = StructureFactory(ai=True)
    OfferingFactory(structure=services, sap=True)
    SiteFactory(name="Épicerie de Château-Landon", pickup_point=True)

    page = client.get(f"/catalogue/structures/{services.slug}/").content.decode()

    assert "Épicerie de Château-Landon" not in page


def test_an_inactive_or_unknown_structure_is_not_found(client):
    closed = StructureFactory(inactive=True)

    assert client.get(f"/catalogue/structures/{closed.slug}/").status_code == 404
    assert client.get("/catalogue/structures/nulle-part/").status_code == 404


def test_the_structure_page_runs_a_fixed_number_of_queries(client, garden, django_assert_num_queries):
    for index in range(6):
        OfferingFactory(structure=garden, name=f"Légume {index}")
        SiteFactory(structure=garden)
    client.get(f"/catalogue/structures/{garden.slug}/")  # warm the card cache

    # structure, offerings, its sites, the pickup points (+ session-free anonymous request)
    with django_assert_num_queries(4):
        response = client.get(f"/catalogue/structures/{garden.slug}/")

    assert response.content.decode().count('class="card offering-card"') == 8


def test_the_home_page_cards_lead_to_each_structure_page(client, garden):
    page = client.get("/").content.decode()

    assert f'<a href="/catalogue/structures/{garden.slug}/">Jardins du Loing</a>' in page


def test_an_offering_photo_shows_with_its_alt_text(client, garden, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    offering = Offering.objects.get(name="Œufs bio")
    offering.image.save("oeufs.png", SimpleUploadedFile("oeufs.png", _png()), save=False)
    offering.image_alt = "Six œufs dans une boîte en carton"
    offering.save()

    structure_page = client.get(f"/catalogue/structures/{garden.slug}/").content.decode()
    detail = client.get(f"/catalogue/{offering.slug}/").content.decode()

    for page in (structure_page, detail):
        assert f'src="{offering.image.url}" alt="Six œufs dans une boîte en carton"' in page
    assert f'<a href="/catalogue/structures/{garden.slug}/">Jardins du Loing</a>' in detail


# Uploads in the back-office ------------------------------------------------------------------


@pytest.fixture
def manager_client(client, garden, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(StructureRoleFactory(structure=garden, manager=True).user)
    return client


def _post(client, garden, image, alt="Un panier de légumes"):
    return client.post(
        reverse("admin:services_offering_add"),
        {"structure": garden.pk, "name": "Bouquet", "slug": "bouquet", "kind": "goods", "unit": "item",
         "audience": "both", "price": "2.00", "vat_rate": "", "revenue_account": "707", "position": "0",
         "labour_hours_per_unit": "0", "labour_headcount": "1", "is_active": "on", "image": image,
         "image_alt": alt},
    )  # fmt: skip


def test_a_png_photo_with_its_description_is_accepted(manager_client, garden):
    response = _post(manager_client, garden, SimpleUploadedFile("bouquet.png", _png(), content_type="image/png"))

    assert response.status_code == 302
    offering = Offering.objects.get(slug="bouquet")
    assert (offering.image.name.startswith("offerings/bouquet"), offering.image_alt) == (True, "Un panier de légumes")


@pytest.mark.parametrize(
    ("upload", "field", "message"),
    [
        (
            SimpleUploadedFile("gros.png", _png() + b"\0" * (2 * 1024 * 1024), content_type="image/png"),
            "image",
            "La photo dépasse 2 Mo : réduisez-la avant de l'envoyer.",
        ),
        (
            SimpleUploadedFile(
                "dessin.svg",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                content_type="image/svg+xml",
            ),  # fmt: skip
            "image",
            None,  # refused (Django's own message for a file that is not an image, or its extension)
        ),
        (
            SimpleUploadedFile("photo.gif", _png(fmt="GIF"), content_type="image/gif"),
            "image",
            "Format GIF refusé : envoyez une photo JPEG, PNG ou WebP.",
        ),
        (
            SimpleUploadedFile("immense.png", _png(size=(4001, 10)), content_type="image/png"),
            "image",
            "La photo fait 4001 × 10 pixels : 4 000 pixels de côté au plus.",
        ),
    ],
)
def test_a_photo_out_of_bounds_is_refused_with_a_french_message(manager_client, garden, upload, field, message):
    response = _post(manager_client, garden, upload)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not Offering.objects.filter(slug="bouquet").exists()


def test_a_photo_needs_its_description(manager_client, garden):
    response = _post(manager_client, garden, SimpleUploadedFile("b.png", _png(), content_type="image/png"), alt=" ")

    assert response.context["adminform"].form.errors["image_alt"] == [
        "Décrivez la photo en quelques mots : ce texte la remplace pour qui ne la voit pas."
    ]
    assert not Offering.objects.filter(slug="bouquet").exists()


def test_the_description_of_a_photo_is_bounded(manager_client, garden):
    response = _post(
        manager_client, garden, SimpleUploadedFile("b.png", _png(), content_type="image/png"), alt="x" * 151
    )

    assert "image_alt" in response.context["adminform"].form.errors
    assert not Offering.objects.filter(slug="bouquet").exists()
