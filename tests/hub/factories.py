import factory
from stdnum import luhn

from hub.enums import OrganisationRole, StaffRole, StructureKind, VatRegime
from hub.models import Organisation, OrganisationMembership, Site, Skill, Structure, StructureRole
from hub.validators import french_vat_number
from tests.accounts.factories import UserFactory


def make_siren(n: int) -> str:
    base = f"{90000000 + n:08d}"
    return base + luhn.calc_check_digit(base)


def make_siret(n: int) -> str:
    base = make_siren(n) + "0001"
    return base + luhn.calc_check_digit(base)


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure d'essai {n}")
    slug = factory.Sequence(lambda n: f"structure-essai-{n}")
    kind = StructureKind.ACI
    legal_form = "Association loi 1901"
    siret = factory.Sequence(make_siret)
    vat_regime = VatRegime.NOT_LIABLE
    vat_exemption_mention = "TVA non applicable, art. 261-7-1°-b du CGI"
    invoice_prefix = factory.Sequence(lambda n: f"T{n:04d}")
    address_line1 = "1 place de la Mairie"
    postcode = "23000"
    city = "Guéret"

    class Params:
        liable = factory.Trait(
            vat_regime=VatRegime.LIABLE,
            vat_exemption_mention="",
            vat_number=factory.LazyAttribute(lambda o: french_vat_number(o.siret[:9])),
        )


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    name = factory.Sequence(lambda n: f"Compétence {n}")
    slug = factory.Sequence(lambda n: f"competence-{n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Lieu {n}")
    slug = factory.Sequence(lambda n: f"lieu-{n}")
    address_line1 = "2 rue du Marché"
    postcode = "23400"
    city = "Bourganeuf"

    class Params:
        pickup_point = factory.Trait(is_pickup_point=True, capacity=20)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Association cliente {n}")
    slug = factory.Sequence(lambda n: f"association-cliente-{n}")
    address_line1 = "3 rue des Écoles"
    postcode = "23400"
    city = "Bourganeuf"


class OrganisationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = OrganisationRole.MEMBER


class StructureRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StructureRole

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    role = StaffRole.STAFF
