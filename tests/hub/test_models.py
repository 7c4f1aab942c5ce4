import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hub.enums import StructureKind, VatRegime
from hub.models import Site, Structure
from hub.validators import french_vat_number, validate_iban, validate_siret, validate_vat_number
from tests.hub.factories import CollectiveFactory, SiteFactory, StructureFactory, make_siret

pytestmark = pytest.mark.django_db


def test_demo_hub_has_exactly_one_collective(demo_hub):
    assert Structure.objects.filter(kind=StructureKind.COLLECTIVE).count() == 1
    assert Structure.objects.collective().slug == "collectif-du-pole"


def test_a_second_collective_is_refused_by_the_database():
    CollectiveFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StructureFactory(kind=StructureKind.COLLECTIVE)
    assert Structure.objects.filter(kind=StructureKind.COLLECTIVE).count() == 1


def test_a_second_collective_is_refused_by_validation_in_french():
    CollectiveFactory()
    structure = StructureFactory.build(kind=StructureKind.COLLECTIVE)
    with pytest.raises(ValidationError) as excinfo:
        structure.full_clean()
    assert excinfo.value.messages == ["Le pôle compte déjà un Collectif : il ne peut y en avoir qu'un."]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("82345671000016", True),
        ("82345671000017", False),  # wrong Luhn key
        ("8234567100001", False),  # 13 digits
        ("8234567100001A", False),
    ],
)
def test_siret_validation(value, valid):
    if valid:
        validate_siret(value)
    else:
        with pytest.raises(ValidationError) as excinfo:
            validate_siret(value)
        assert excinfo.value.messages == [
            f"« {value} » n'est pas un numéro SIRET valide (14 chiffres, clé de contrôle)."
        ]


def test_structure_full_clean_rejects_a_bad_siret():
    structure = StructureFactory.build(siret="12345678901234")
    with pytest.raises(ValidationError) as excinfo:
        structure.full_clean()
    assert list(excinfo.value.message_dict) == ["siret"]


def test_siret_is_unique():
    siret = make_siret(4242)
    StructureFactory(siret=siret)
    with pytest.raises(IntegrityError), transaction.atomic():
        StructureFactory(siret=siret)
    assert Structure.objects.filter(siret=siret).count() == 1


def test_vat_liable_structure_needs_a_vat_number():
    with pytest.raises(IntegrityError), transaction.atomic():
        StructureFactory(vat_regime=VatRegime.LIABLE, vat_exemption_mention="", vat_number="")


def test_exempt_structure_needs_its_invoice_mention():
    with pytest.raises(IntegrityError), transaction.atomic():
        StructureFactory(vat_regime=VatRegime.EXEMPT, vat_exemption_mention="")


def test_sap_declaration_number_and_date_go_together():
    structure = StructureFactory.build(sap_declaration_number="SAP123456789", sap_intervention_mode="provider")
    with pytest.raises(ValidationError) as excinfo:
        structure.full_clean()
    assert excinfo.value.messages == ["Le numéro et la date de déclaration SAP vont ensemble."]


SAP_MODE_MESSAGE = "Une structure déclarée SAP indique son mode d'intervention ; une structure non déclarée n'en a pas."


@pytest.mark.parametrize(
    ("number", "mode"),
    [("SAP123456789", ""), ("", "placement")],
    ids=["declared-without-mode", "mode-without-declaration"],
)
def test_sap_mode_of_intervention_is_set_iff_declared(number, mode):
    declared = {"sap_declaration_date": datetime.date(2019, 3, 1)} if number else {}
    structure = StructureFactory.build(sap_declaration_number=number, sap_intervention_mode=mode, **declared)
    with pytest.raises(ValidationError) as excinfo:
        structure.full_clean()
    assert excinfo.value.messages == [SAP_MODE_MESSAGE]
    with pytest.raises(IntegrityError), transaction.atomic():
        StructureFactory(sap_declaration_number=number, sap_intervention_mode=mode, **declared)


def test_an_ai_declared_for_sap_works_by_placement():
    structure = StructureFactory(ai=True)
    structure.full_clean()
    assert structure.get_sap_intervention_mode_display() == "Mise à disposition"


def test_liable_structure_with_vat_number_is_valid():
    structure = StructureFactory(liable=True, default_vat_rate=Decimal("20.00"))
    structure.full_clean()
    assert structure.is_vat_liable
    assert structure.vat_number == french_vat_number(structure.siren)
    assert structure.siren == structure.siret[:9]


def test_french_vat_number_key():
    assert french_vat_number("732829320") == "FR44732829320"
    validate_vat_number("FR44732829320")
    with pytest.raises(ValidationError):
        validate_vat_number("FR45732829320")


def test_iban_validation():
    validate_iban("FR7615589234000001234560141")
    with pytest.raises(ValidationError) as excinfo:
        validate_iban("FR7615589234000001234560142")
    assert excinfo.value.messages == ["« FR7615589234000001234560142 » n'est pas un IBAN valide."]


def test_pickup_point_needs_a_capacity():
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteFactory(is_pickup_point=True, capacity=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteFactory(is_pickup_point=True, capacity=0)
    site = SiteFactory(pickup_point=True)
    assert Site.objects.pickup_points().filter(pk=site.pk).exists()


def test_demo_structures_are_all_valid(demo_hub):
    for structure in demo_hub:
        structure.full_clean()
    assert [s.invoice_prefix for s in demo_hub] == ["JAR", "BLA", "PSV", "MOB", "CEQ", "FOR", "COL", "ADL"]
