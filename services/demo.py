"""A realistic catalogue for every selling structure of the demo hub (DOMAIN.md prices and VAT)."""

from decimal import Decimal as D

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify

from hub.models import Skill, Structure
from services.demo_photos import ALT, draw
from services.enums import Audience, OfferingKind, RevenueAccount, Unit
from services.models import Offering
from services.vat import default_vat_treatment

K, U = OfferingKind, Unit

# (structure, name, kind, unit, price, extra fields)
CATALOGUE = [
    # Jardins du Pôle — own produce, 5,5 %, account 701
    (
        "jardins-du-pole",
        "Panier petit format",
        K.BASKET,
        U.DELIVERY,
        D("12.00"),
        {
            "solidarity_price": D("6.00"),
            "summary": "Pour 1 à 2 personnes : 5 à 6 légumes de saison.",
            "labour_hours_per_unit": D("0.25"),
            "required_skill": "preparation-commandes",
        },
    ),
    (
        "jardins-du-pole",
        "Panier moyen format",
        K.BASKET,
        U.DELIVERY,
        D("17.00"),
        {
            "solidarity_price": D("8.50"),
            "summary": "Pour 3 à 4 personnes : 7 à 8 légumes de saison.",
            "labour_hours_per_unit": D("0.30"),
            "required_skill": "preparation-commandes",
        },
    ),
    (
        "jardins-du-pole",
        "Panier familial",
        K.BASKET,
        U.DELIVERY,
        D("24.00"),
        {
            "solidarity_price": D("12.00"),
            "summary": "Pour 5 personnes et plus, avec un fruit de saison.",
            "labour_hours_per_unit": D("0.35"),
            "required_skill": "preparation-commandes",
        },
    ),
    (
        "jardins-du-pole",
        "Panier de fruits",
        K.BASKET,
        U.DELIVERY,
        D("8.00"),
        {
            "summary": "Pommes, poires et petits fruits selon la saison.",
            "labour_hours_per_unit": D("0.15"),
            "required_skill": "preparation-commandes",
        },
    ),
    (
        "jardins-du-pole",
        "Plants de tomates (barquette de 6)",
        K.GOODS,
        U.ITEM,
        D("4.50"),
        {"stock": 80, "labour_hours_per_unit": D("0.05"), "required_skill": "maraichage"},
    ),
    (
        "jardins-du-pole",
        "Pommes de terre (sac de 5 kg)",
        K.GOODS,
        U.ITEM,
        D("7.50"),
        {"stock": 60, "labour_hours_per_unit": D("0.05"), "required_skill": "preparation-commandes"},
    ),
    (
        "jardins-du-pole",
        "Courges de saison au poids",
        K.GOODS,
        U.KG,
        D("2.80"),
        {
            "quantity_measured_later": True,
            "summary": "Potimarrons, butternuts : pesés à la préparation.",
            "labour_hours_per_unit": D("0.02"),
            "required_skill": "preparation-commandes",
        },
    ),
    ("jardins-du-pole", "Confiture de rhubarbe (370 g)", K.GOODS, U.ITEM, D("4.90"), {"stock": 45}),
    # Blanchisserie solidaire — 20 %, account 7061
    (
        "blanchisserie-solidaire",
        "Linge plat au kilo",
        K.LAUNDRY,
        U.KG,
        D("4.20"),
        {
            "quantity_measured_later": True,
            "summary": "Draps, serviettes, torchons : lavés, séchés, pliés.",
            "labour_hours_per_unit": D("0.12"),
            "required_skill": "lavage-sechage",
        },
    ),
    (
        "blanchisserie-solidaire",
        "Lavage et repassage au kilo",
        K.LAUNDRY,
        U.KG,
        D("6.90"),
        {"quantity_measured_later": True, "labour_hours_per_unit": D("0.25"), "required_skill": "repassage"},
    ),
    (
        "blanchisserie-solidaire",
        "Repassage d'une chemise",
        K.LAUNDRY,
        U.ITEM,
        D("2.50"),
        {"audience": Audience.RESIDENTS, "labour_hours_per_unit": D("0.10"), "required_skill": "repassage"},
    ),
    (
        "blanchisserie-solidaire",
        "Couette ou couverture",
        K.LAUNDRY,
        U.ITEM,
        D("14.00"),
        {"labour_hours_per_unit": D("0.20"), "required_skill": "lavage-sechage"},
    ),
    (
        "blanchisserie-solidaire",
        "Tenues sportives au kilo",
        K.LAUNDRY,
        U.KG,
        D("3.80"),
        {
            "audience": Audience.ORGANISATIONS,
            "quantity_measured_later": True,
            "summary": "Maillots, shorts et chasubles des clubs, rendus par équipe.",
            "labour_hours_per_unit": D("0.10"),
            "required_skill": "lavage-sechage",
        },
    ),
    (
        "blanchisserie-solidaire",
        "Nappes et serviettes de table au kilo",
        K.LAUNDRY,
        U.KG,
        D("4.80"),
        {
            "audience": Audience.ORGANISATIONS,
            "quantity_measured_later": True,
            "labour_hours_per_unit": D("0.15"),
            "required_skill": "repassage",
        },
    ),
    (
        "blanchisserie-solidaire",
        "Collecte et livraison du linge",
        K.LAUNDRY,
        U.DELIVERY,
        D("6.00"),
        {"labour_hours_per_unit": D("0.50"), "required_skill": "conduite-vl"},
    ),
    # Pôle Services — SAP, exempt (261-7-1° bis), account 7062
    (
        "pole-services",
        "Ménage à domicile",
        K.HOME_SERVICE,
        U.HOUR,
        D("24.00"),
        {
            "sap_eligible": True,
            "quantity_measured_later": True,
            "audience": Audience.RESIDENTS,
            "summary": "Entretien courant du logement par une équipe formée.",
            "labour_hours_per_unit": D("1.00"),
            "required_skill": "menage",
        },
    ),
    (
        "pole-services",
        "Repassage à domicile",
        K.HOME_SERVICE,
        U.HOUR,
        D("24.00"),
        {
            "sap_eligible": True,
            "quantity_measured_later": True,
            "audience": Audience.RESIDENTS,
            "labour_hours_per_unit": D("1.00"),
            "required_skill": "repassage",
        },
    ),
    (
        "pole-services",
        "Petits travaux de jardinage",
        K.HOME_SERVICE,
        U.HOUR,
        D("27.00"),
        {
            "sap_eligible": True,
            "quantity_measured_later": True,
            "audience": Audience.RESIDENTS,
            "summary": "Tonte, taille de haies, désherbage.",
            "labour_hours_per_unit": D("1.00"),
            "required_skill": "jardinage",
        },
    ),
    (
        "pole-services",
        "Petit bricolage « homme toutes mains »",
        K.HOME_SERVICE,
        U.HOUR,
        D("28.00"),
        {
            "sap_eligible": True,
            "quantity_measured_later": True,
            "audience": Audience.RESIDENTS,
            "labour_hours_per_unit": D("1.00"),
            "required_skill": "petit-bricolage",
        },
    ),
    (
        "pole-services",
        "Mise à disposition de personnel",
        K.HOME_SERVICE,
        U.HOUR,
        D("22.00"),
        {
            "audience": Audience.ORGANISATIONS,
            "quantity_measured_later": True,
            "revenue_account": RevenueAccount.ANCILLARY,
            "summary": "Renfort ponctuel pour les associations et collectivités.",
            "labour_hours_per_unit": D("1.00"),
        },
    ),
    # Mobilité solidaire — non-lucrative, not liable, account 7063
    (
        "mobilite-solidaire",
        "Location de voiture à la journée",
        K.MOBILITY,
        U.DAY,
        D("15.00"),
        {
            "solidarity_price": D("8.00"),
            "summary": "Pour un emploi, une formation ou un rendez-vous ; dépôt de garantie demandé.",
            "labour_hours_per_unit": D("0.50"),
            "required_skill": "conduite-vl",
        },
    ),
    (
        "mobilite-solidaire",
        "Location de scooter à la journée",
        K.MOBILITY,
        U.DAY,
        D("6.00"),
        {"solidarity_price": D("3.00"), "labour_hours_per_unit": D("0.30")},
    ),
    (
        "mobilite-solidaire",
        "Location de vélo à assistance électrique",
        K.MOBILITY,
        U.DAY,
        D("5.00"),
        {"labour_hours_per_unit": D("0.20")},
    ),
    (
        "mobilite-solidaire",
        "Transport solidaire au kilomètre",
        K.MOBILITY,
        U.KM,
        D("0.45"),
        {
            "quantity_measured_later": True,
            "audience": Audience.RESIDENTS,
            "summary": "Un·e chauffeur·e vous conduit à vos rendez-vous.",
            "labour_hours_per_unit": D("0.02"),
            "required_skill": "transport-personnes",
        },
    ),
    (
        "mobilite-solidaire",
        "Forfait rendez-vous médical",
        K.MOBILITY,
        U.ITEM,
        D("10.00"),
        {"audience": Audience.RESIDENTS, "labour_hours_per_unit": D("1.50"), "required_skill": "transport-personnes"},
    ),
    # Comptoir équitable — Scop, 5,5 % food / 20 % other, account 707
    (
        "comptoir-equitable",
        "Café équitable moulu (250 g)",
        K.GOODS,
        U.ITEM,
        D("5.20"),
        {"stock": 40, "labour_hours_per_unit": D("0.02"), "required_skill": "preparation-commandes"},
    ),
    ("comptoir-equitable", "Café équitable en grains (1 kg)", K.GOODS, U.ITEM, D("18.90"), {"stock": 15}),
    ("comptoir-equitable", "Thé vert bio (100 g)", K.GOODS, U.ITEM, D("4.60"), {"stock": 30}),
    ("comptoir-equitable", "Chocolat noir 70 % (100 g)", K.GOODS, U.ITEM, D("2.90"), {"stock": 50}),
    ("comptoir-equitable", "Riz basmati équitable (1 kg)", K.GOODS, U.ITEM, D("4.40"), {"stock": 35}),
    ("comptoir-equitable", "Sucre de canne complet (1 kg)", K.GOODS, U.ITEM, D("3.80"), {"stock": 25}),
    ("comptoir-equitable", "Quinoa équitable (500 g)", K.GOODS, U.ITEM, D("4.90"), {"stock": 20}),
    ("comptoir-equitable", "Miel toutes fleurs du Gâtinais (500 g)", K.GOODS, U.ITEM, D("8.50"), {"stock": 18}),
    ("comptoir-equitable", "Jus de pomme local (1 L)", K.GOODS, U.ITEM, D("3.20"), {"stock": 48}),
    (
        "comptoir-equitable",
        "Lentilles vertes en vrac",
        K.GOODS,
        U.KG,
        D("4.20"),
        {"quantity_measured_later": True, "summary": "Servies au poids : le prix final suit la pesée."},
    ),
    (
        "comptoir-equitable",
        "Savon artisanal au lait d'ânesse",
        K.GOODS,
        U.ITEM,
        D("4.50"),
        {"stock": 24, "vat_rate": D("20.00")},
    ),
    ("comptoir-equitable", "Sac en coton équitable", K.GOODS, U.ITEM, D("6.00"), {"stock": 30, "vat_rate": D("20.00")}),
    (
        "comptoir-equitable",
        "Bougie à la cire végétale",
        K.GOODS,
        U.ITEM,
        D("9.90"),
        {"stock": 12, "vat_rate": D("20.00")},
    ),
    # Atelier Formation — exempt (vocational training), account 7064
    (
        "atelier-formation",
        "Séance de code de la route",
        K.TRAINING,
        U.SESSION,
        D("12.00"),
        {"solidarity_price": D("5.00"), "summary": "Une séance d'entraînement encadrée, en petit groupe."},
    ),
    (
        "atelier-formation",
        "Stage de code intensif (5 séances)",
        K.TRAINING,
        U.SESSION,
        D("50.00"),
        {"solidarity_price": D("20.00")},
    ),
    (
        "atelier-formation",
        "Initiation à l'informatique",
        K.TRAINING,
        U.SESSION,
        D("15.00"),
        {"audience": Audience.RESIDENTS},
    ),
    (
        "atelier-formation",
        "Préparer un entretien d'embauche",
        K.TRAINING,
        U.SESSION,
        D("20.00"),
        {"solidarity_price": D("5.00")},
    ),
    (
        "atelier-formation",
        "Formation hygiène alimentaire (HACCP)",
        K.TRAINING,
        U.SESSION,
        D("90.00"),
        {"audience": Audience.ORGANISATIONS},
    ),
]

DEFAULT_REVENUE_ACCOUNT = {
    ("jardins-du-pole", K.BASKET): RevenueAccount.PRODUCE,
    ("jardins-du-pole", K.GOODS): RevenueAccount.PRODUCE,
    ("blanchisserie-solidaire", K.LAUNDRY): RevenueAccount.LAUNDRY,
    ("pole-services", K.HOME_SERVICE): RevenueAccount.HOME_SERVICES,
    ("mobilite-solidaire", K.MOBILITY): RevenueAccount.MOBILITY,
    ("comptoir-equitable", K.GOODS): RevenueAccount.GOODS,
    ("atelier-formation", K.TRAINING): RevenueAccount.TRAINING,
}


def seed_demo() -> dict[str, int]:
    structures = {s.slug: s for s in Structure.objects.all()}
    skills = {s.slug: s for s in Skill.objects.all()}
    for position, (structure_slug, name, kind, unit, price, extra) in enumerate(CATALOGUE):
        structure = structures[structure_slug]
        extra = dict(extra)
        treatment = default_vat_treatment(structure)
        vat_rate = extra.pop("vat_rate", treatment.rate)
        skill = extra.pop("required_skill", None)
        values = {
            "structure": structure,
            "name": name,
            "kind": kind,
            "unit": unit,
            "price": price,
            "vat_rate": vat_rate,
            "vat_exemption_mention": "" if vat_rate else treatment.exemption_mention,
            "revenue_account": extra.pop("revenue_account", DEFAULT_REVENUE_ACCOUNT[(structure_slug, kind)]),
            "required_skill": skills[skill] if skill else None,
            "position": position,
            **extra,
        }
        offering, created = Offering.objects.get_or_create(slug=slugify(name)[:80], defaults=values)
        if not created and offering.stock is not None and "stock" in values:
            # Re-seeding keeps the stock the demo has sold down to.
            values.pop("stock")
        if not created:
            Offering.objects.filter(pk=offering.pk).update(**values)
    _seed_photos()
    return {"offres": Offering.objects.count()}


PHOTOS_PER_KIND = 2


def _seed_photos() -> None:
    """The first offerings of each kind get a drawn photo (the others show how a card without one looks)."""
    seen: dict[str, int] = {}
    for offering in Offering.objects.order_by("position", "pk"):
        seen[offering.kind] = seen.get(offering.kind, 0) + 1
        if seen[offering.kind] > PHOTOS_PER_KIND or offering.image:
            continue
        name = f"offerings/demo-{offering.slug}.png"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(draw(offering.kind, offering.slug)))
        Offering.objects.filter(pk=offering.pk).update(image=name, image_alt=ALT[offering.kind])
