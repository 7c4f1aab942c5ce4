"""The demo hub of DOMAIN.md: seven structures (and one outside association whose books the Collectif
keeps), pickup points, organisations and one login per role.

It sits where the real hub does, in a rural part of Île-de-France: the Gâtinais, south Seine-et-Marne
(77), around Nemours. Real communes and postcodes, made-up street numbers.

`manage.py seed_demo` calls the `seed_demo()` of every app that has a `demo` module, lowest layer first.
Everything is keyed on natural keys (slug, e-mail), so running it twice changes nothing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from hub.enums import LegalPageKind, OrganisationRole, SapInterventionMode, StaffRole, StructureKind, VatRegime
from hub.models import (
    LegalPage,
    Organisation,
    OrganisationMembership,
    Site,
    SiteOpening,
    Skill,
    Structure,
    StructureRole,
)
from hub.validators import french_vat_number

DEMO_PASSWORD = "demo-pole-2026"

_ADDRESS = {"address_line1": "12 rue des Mariniers", "postcode": "77140", "city": "Nemours"}

STRUCTURES = [
    {
        "slug": "collectif-du-pole",
        "name": "Collectif du Pôle",
        "kind": StructureKind.COLLECTIVE,
        "legal_form": "Association loi 1901",
        "description": "Tient la comptabilité de toutes les structures, assure l'accueil et mutualise les services.",
        "siret": "81234560100015",
        "vat_regime": VatRegime.NOT_LIABLE,
        "vat_exemption_mention": "Association non assujettie à la TVA (art. 261-7-1° du CGI)",
        "invoice_prefix": "COL",
        "iban": "FR7615589234000001234560141",
        "position": 70,
    },
    {
        "slug": "jardins-du-pole",
        "name": "Jardins du Pôle",
        "kind": StructureKind.ACI,
        "legal_form": "Association loi 1901",
        "description": "Maraîchage biologique en chantier d'insertion : paniers de légumes de saison chaque semaine.",
        "siret": "82345671000016",
        "vat_regime": VatRegime.LIABLE,
        "default_vat_rate": Decimal("5.50"),
        "invoice_prefix": "JAR",
        "iban": "FR7615589234000001234560238",
        "position": 10,
    },
    {
        "slug": "blanchisserie-solidaire",
        "name": "Blanchisserie solidaire",
        "kind": StructureKind.ACI,
        "legal_form": "Association loi 1901",
        "description": "Lavage, séchage et repassage du linge des associations, écoles et habitant·es, collecte comprise.",
        "siret": "83456782800019",
        "vat_regime": VatRegime.LIABLE,
        "default_vat_rate": Decimal("20.00"),
        "invoice_prefix": "BLA",
        "iban": "FR7615589234000001234560335",
        "position": 20,
    },
    {
        "slug": "pole-services",
        "name": "Pôle Services",
        "kind": StructureKind.AI,
        "legal_form": "Association loi 1901",
        "description": "Services à la personne : ménage, jardinage et petit bricolage, avec 50 % de crédit d'impôt.",
        "siret": "84567893700010",
        "vat_regime": VatRegime.EXEMPT,
        "vat_exemption_mention": "TVA non applicable, art. 261-7-1° bis du CGI",
        "invoice_prefix": "PSV",
        "sap_declaration_number": "SAP845678937",
        "sap_declaration_date": datetime.date(2019, 3, 1),
        # An AI's workers are made available to the client (mise à disposition, L7232-6).
        "sap_intervention_mode": SapInterventionMode.PLACEMENT,
        "iban": "FR7615589234000001234560432",
        "position": 30,
    },
    {
        "slug": "mobilite-solidaire",
        "name": "Mobilité solidaire",
        "kind": StructureKind.ACI,
        "legal_form": "Association loi 1901",
        "description": "Location de voitures et de scooters, transport solidaire vers les rendez-vous du quotidien.",
        "siret": "85678904500015",
        "vat_regime": VatRegime.NOT_LIABLE,
        "vat_exemption_mention": "TVA non applicable, art. 261-7-1°-b du CGI",
        "invoice_prefix": "MOB",
        "iban": "FR7615589234000001234560529",
        "position": 40,
    },
    {
        "slug": "comptoir-equitable",
        "name": "Comptoir équitable",
        "kind": StructureKind.EI,
        "legal_form": "SARL Scop à capital variable",
        "description": "Épicerie de produits équitables et locaux, tenue par une entreprise d'insertion coopérative.",
        "siret": "86789015400018",
        "vat_regime": VatRegime.LIABLE,
        "default_vat_rate": Decimal("5.50"),
        "invoice_prefix": "CEQ",
        "share_capital": Decimal("15000.00"),
        "registration_number": "RCS Melun 867 890 154",
        "iban": "FR7615589234000001234560626",
        "position": 50,
    },
    {
        "slug": "atelier-formation",
        "name": "Atelier Formation",
        "kind": StructureKind.TRAINING_CENTRE,
        "legal_form": "Association loi 1901",
        "description": "Code de la route, préparation au permis et formations aux métiers des structures du pôle.",
        "siret": "87890126300011",
        "vat_regime": VatRegime.EXEMPT,
        "vat_exemption_mention": "Exonération de TVA, art. 261-4-4° a du CGI (formation professionnelle continue)",
        "invoice_prefix": "FOR",
        "iban": "FR7615589234000001234560723",
        "position": 60,
    },
]

# An outside association whose books the Collectif keeps (issue 13): its own books, never in the
# catalogue; its treasurer reads them (read-only view), the Collectif bills the bookkeeping.
OUTSIDE_ASSOCIATION = {
    "slug": "amis-du-lavoir",
    "name": "Les Amis du Lavoir",
    "kind": StructureKind.OUTSIDE_ASSOCIATION,
    "legal_form": "Association loi 1901",
    "description": "Association de sauvegarde du patrimoine de Larchant ; le Collectif tient sa comptabilité.",
    "siret": "45213987600018",
    "vat_regime": VatRegime.NOT_LIABLE,
    "vat_exemption_mention": "Association non assujettie à la TVA (art. 261-7-1° du CGI)",
    "invoice_prefix": "ADL",
    "address_line1": "2 place du Lavoir",
    "postcode": "77760",
    "city": "Larchant",
    "position": 90,
}
STRUCTURES.append(OUTSIDE_ASSOCIATION)

SKILLS = [
    ("maraichage", "Maraîchage"),
    ("preparation-commandes", "Préparation de commandes"),
    ("conduite-vl", "Conduite VL (permis B)"),
    ("transport-personnes", "Transport de personnes"),
    ("lavage-sechage", "Lavage et séchage"),
    ("repassage", "Repassage"),
    ("menage", "Ménage"),
    ("jardinage", "Jardinage"),
    ("petit-bricolage", "Petit bricolage"),
    ("accueil-vente", "Accueil et vente"),
]

PICKUP_POINTS = [
    {
        "slug": "pole-accueil",
        "name": "Pôle — accueil",
        "structure": "collectif-du-pole",
        "address_line1": "12 rue des Mariniers",
        "postcode": "77140",
        "city": "Nemours",
        "capacity": 60,
        "opening_hours": "Mardi et vendredi, 16 h – 19 h",
        "openings": [(1, "16:00", "19:00"), (4, "16:00", "19:00")],
    },
    {
        "slug": "epicerie-chateau-landon",
        "name": "Épicerie de Château-Landon",
        "structure": None,
        "address_line1": "2 place du Marché",
        "postcode": "77570",
        "city": "Château-Landon",
        "capacity": 25,
        "opening_hours": "Mardi, 17 h – 19 h",
        "openings": [(1, "17:00", "19:00")],
    },
    {
        "slug": "salle-egreville",
        "name": "Salle des fêtes d'Égreville",
        "structure": None,
        "address_line1": "Rue de la Mairie",
        "postcode": "77620",
        "city": "Égreville",
        "capacity": 20,
        "opening_hours": "Vendredi, 17 h – 18 h 30",
        "openings": [(4, "17:00", "18:30")],
    },
]

ORGANISATIONS = [
    {
        "slug": "creche-les-ptits-loups",
        "name": "Crèche associative Les P'tits Loups",
        "siren": "778899005",
        "address_line1": "5 rue des Écoles",
        "postcode": "77140",
        "city": "Nemours",
        "email": "creche@ptits-loups.test",
        "vat_registered": False,
    },
    {
        "slug": "as-souppes",
        "name": "Association sportive de Souppes-sur-Loing",
        "siren": "789900115",
        "address_line1": "Stade municipal, avenue du Stade",
        "postcode": "77460",
        "city": "Souppes-sur-Loing",
        "email": "tresorier@as-souppes.test",
        "vat_registered": False,
    },
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    first_name: str
    last_name: str
    what: str


DEMO_LOGINS = [
    DemoLogin("resident@demo.pole.test", "Camille", "Martin", "habitante"),
    DemoLogin("asso@demo.pole.test", "Sophie", "Bernard", "administratrice de la crèche Les P'tits Loups"),
    DemoLogin("encadrant@demo.pole.test", "Karim", "Benali", "encadrant technique aux Jardins du Pôle"),
    DemoLogin("compta@demo.pole.test", "Nathalie", "Roux", "comptable de toutes les structures"),
    DemoLogin("admin@demo.pole.test", "Alex", "Durand", "administrateur du pôle"),
    DemoLogin("tresoriere@demo.pole.test", "Jeanne", "Lefort", "trésorière des Amis du Lavoir (comptes en lecture)"),
    DemoLogin("social.ccas@demo.pole.test", "Hélène", "Garnier", "travailleuse sociale au CCAS de Nemours"),
    DemoLogin("social.ml@demo.pole.test", "Yanis", "Boucher", "conseiller à la Mission locale du Sud Seine-et-Marne"),
]

LEGAL_PAGES = {
    LegalPageKind.LEGAL_NOTICE: (
        "Mentions légales",
        "Ce site est édité par le Collectif du Pôle, association loi 1901, 12 rue des Mariniers, "
        "77140 Nemours, pour le compte des structures du Pôle Économie Solidaire.\n\n"
        "Chaque structure vend en son nom propre : ses coordonnées légales figurent sur ses factures.\n\n"
        "Directeur de la publication : la présidence du Collectif du Pôle.",
    ),
    LegalPageKind.TERMS_OF_SALE: (
        "Conditions générales de vente",
        "Les commandes passées sur ce site sont conclues avec la structure qui vend chaque produit ou service. "
        "Une commande regroupant plusieurs structures donne lieu à une facture par structure.\n\n"
        "Les prix sont indiqués TTC pour les particuliers, HT et TTC pour les organisations.\n\n"
        "Le paiement se fait par carte, par prélèvement SEPA, par virement pour les organisations, "
        "en espèces ou par chèque au point de retrait, ou par CESU pour les services à la personne.",
    ),
    LegalPageKind.PRIVACY: (
        "Politique de confidentialité",
        "Nous ne collectons que les données nécessaires à vos commandes, réservations et factures.\n\n"
        "Vous pouvez télécharger vos données et supprimer votre compte depuis la page « Mon compte ». "
        "Les factures sont conservées dix ans, comme la loi l'exige.\n\n"
        "Les données des salarié·es en parcours d'insertion ne sont visibles que par l'encadrement de leur structure.",
    ),
}


@transaction.atomic
def seed_demo() -> dict[str, int]:
    structures = {}
    for data in STRUCTURES:
        values = {**_ADDRESS, **data}
        values.pop("slug")
        if values["vat_regime"] == VatRegime.LIABLE:
            values["vat_number"] = french_vat_number(values["siret"][:9])
        values["email"] = f"contact@{data['slug']}.test"
        structure, _created = Structure.objects.update_or_create(slug=data["slug"], defaults=values)
        structures[data["slug"]] = structure

    for slug, name in SKILLS:
        Skill.objects.update_or_create(slug=slug, defaults={"name": name})

    for data in PICKUP_POINTS:
        values = {**data, "is_pickup_point": True}
        values.pop("slug")
        structure_slug = values.pop("structure")
        values["structure"] = structures[structure_slug] if structure_slug else None
        values.pop("openings")
        site, _created = Site.objects.update_or_create(slug=data["slug"], defaults=values)
        for weekday, starts_at, ends_at in data["openings"]:
            SiteOpening.objects.update_or_create(
                site=site,
                weekday=weekday,
                starts_at=datetime.time.fromisoformat(starts_at),
                defaults={"ends_at": datetime.time.fromisoformat(ends_at)},
            )
    Site.objects.update_or_create(
        slug="jardins-parcelles",
        defaults={
            "name": "Jardins — parcelles des Prés du Loing",
            "structure": structures["jardins-du-pole"],
            "address_line1": "Lieu-dit les Prés du Loing",
            "postcode": "77167",
            "city": "Bagneaux-sur-Loing",
        },
    )

    organisations = {}
    for data in ORGANISATIONS:
        values = dict(data)
        values.pop("slug")
        organisations[data["slug"]], _created = Organisation.objects.update_or_create(
            slug=data["slug"], defaults=values
        )

    users = {login.email: _demo_user(login) for login in DEMO_LOGINS}
    OrganisationMembership.objects.get_or_create(
        user=users["asso@demo.pole.test"],
        organisation=organisations["creche-les-ptits-loups"],
        defaults={"role": OrganisationRole.ADMIN},
    )
    StructureRole.objects.get_or_create(
        user=users["encadrant@demo.pole.test"], structure=structures["jardins-du-pole"], role=StaffRole.SUPERVISOR
    )
    for structure in structures.values():
        StructureRole.objects.get_or_create(
            user=users["compta@demo.pole.test"], structure=structure, role=StaffRole.ACCOUNTANT
        )
    StructureRole.objects.get_or_create(
        user=users["tresoriere@demo.pole.test"], structure=structures["amis-du-lavoir"], role=StaffRole.BOOKS_VIEWER
    )
    admin = users["admin@demo.pole.test"]
    if not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])

    for kind, (title, body) in LEGAL_PAGES.items():
        LegalPage.objects.get_or_create(kind=kind, defaults={"title": title, "body": body})

    return {
        "structures": Structure.objects.count(),
        "lieux": Site.objects.count(),
        "organisations": Organisation.objects.count(),
        "utilisateurs": get_user_model().objects.count(),
    }


def _demo_user(login: DemoLogin):
    return demo_person(login.email, login.first_name, login.last_name)


def demo_person(email: str, first_name: str, last_name: str):
    """A demo account (found by its e-mail, or made with the demo password), its address verified: every
    app's demo makes its people here."""
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user
