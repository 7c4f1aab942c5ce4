"""Structure staff manage their own offerings in the back-office, and nobody else's."""

from decimal import Decimal

import pytest
from django.urls import reverse

from services.models import Offering
from tests.accounts.factories import UserFactory
from tests.hub.factories import StructureFactory, StructureRoleFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def jardins(db):
    """A market garden liable to VAT at 5,5 % by default."""
    return StructureFactory(liable=True, default_vat_rate=Decimal("5.50"))


@pytest.fixture
def jardins_manager(jardins):
    return StructureRoleFactory(structure=jardins, manager=True).user


def test_staff_see_only_their_structure_offerings(client, jardins, jardins_manager):
    mine = OfferingFactory.create_batch(2, structure=jardins)
    OfferingFactory()  # another structure's
    client.force_login(jardins_manager)
    response = client.get(reverse("admin:services_offering_changelist"))
    assert response.status_code == 200
    shown = {o.structure for o in response.context["cl"].result_list}
    assert shown == {jardins}
    assert response.context["cl"].result_count == len(mine) == 2


def test_staff_cannot_open_another_structure_offering(client, jardins_manager):
    client.force_login(jardins_manager)
    other = OfferingFactory()
    response = client.get(reverse("admin:services_offering_change", args=[other.pk]))
    assert response.status_code == 404  # another structure's offering is not found, as if it did not exist
    response = client.post(reverse("admin:services_offering_delete", args=[other.pk]), {"post": "yes"})
    assert Offering.objects.filter(pk=other.pk).exists()


def test_staff_create_an_offering_with_vat_from_their_structure(client, jardins, jardins_manager):
    client.force_login(jardins_manager)
    response = client.post(
        reverse("admin:services_offering_add"),
        {
            "structure": jardins.pk,
            "name": "Bouquet d'herbes aromatiques",
            "slug": "bouquet-herbes",
            "kind": "goods",
            "summary": "",
            "description": "",
            "is_active": "on",
            "position": "0",
            "unit": "item",
            "audience": "both",
            "price": "2.00",
            "solidarity_price": "",
            "vat_rate": "",
            "vat_exemption_mention": "",
            "revenue_account": "701",
            "stock": "",
            "labour_hours_per_unit": "0",
            "labour_headcount": "1",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    offering = Offering.objects.get(slug="bouquet-herbes")
    assert offering.vat_rate == Decimal("5.50")
    assert offering.vat_exemption_mention == ""


def test_staff_cannot_create_for_another_structure(client, jardins_manager):
    client.force_login(jardins_manager)
    comptoir = StructureFactory(liable=True)
    response = client.post(
        reverse("admin:services_offering_add"),
        {"structure": comptoir.pk, "name": "Intrus", "slug": "intrus", "kind": "goods", "unit": "item",
         "audience": "both", "price": "2.00", "vat_rate": "20.00", "revenue_account": "707",
         "position": "0", "labour_hours_per_unit": "0", "labour_headcount": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "structure" in response.context["adminform"].form.errors
    assert not Offering.objects.filter(slug="intrus").exists()


def test_sap_flag_refused_outside_the_ai(client, jardins, jardins_manager):
    client.force_login(jardins_manager)
    response = client.post(
        reverse("admin:services_offering_add"),
        {"structure": jardins.pk, "name": "Faux SAP", "slug": "faux-sap", "kind": "goods", "unit": "hour",
         "audience": "both", "price": "20.00", "vat_rate": "", "revenue_account": "701", "sap_eligible": "on",
         "position": "0", "labour_hours_per_unit": "0", "labour_headcount": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["sap_eligible"] == [
        "Seule l'association intermédiaire vend des services à la personne."
    ]
    assert not Offering.objects.filter(slug="faux-sap").exists()


def test_residents_do_not_get_into_the_back_office(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:services_offering_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_supervisors_do_not_manage_offerings(client, jardins):
    client.force_login(StructureRoleFactory(structure=jardins, supervisor=True).user)
    response = client.get(reverse("admin:services_offering_changelist"))
    assert response.status_code == 403
