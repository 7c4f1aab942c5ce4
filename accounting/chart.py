"""The seeded chart of accounts: the PCG 2025 subset of DOMAIN.md rule 11.

Labels are data of the legal record (CompteLib of the FEC): they are stored in French whatever
the language of the person who set the books up, so they are plain strings, not translations.
"""

from django.conf import settings

from hub.models import Structure

# (code, label) for every structure.
COMMON_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("110", "Report à nouveau (solde créditeur)"),
    ("119", "Report à nouveau (solde débiteur)"),
    ("120", "Résultat de l'exercice (excédent)"),
    ("129", "Résultat de l'exercice (déficit)"),
    ("401", "Fournisseurs"),
    ("411", "Clients"),
    ("4191", "Clients - Avances et acomptes reçus sur commandes"),
    ("445711", "TVA collectée 20 %"),
    ("445712", "TVA collectée 10 %"),
    ("445713", "TVA collectée 5,5 %"),
    ("44566", "TVA sur autres biens et services"),
    ("44587", "Taxes sur le chiffre d'affaires sur factures à établir"),
    ("512", "Banque"),
    ("5112", "Chèques à encaisser"),
    ("5118", "Autres valeurs à l'encaissement (CESU)"),
    ("530", "Caisse"),
    # The PCG's 58 "Virements internes": CompteNum must start with three digits (A47 A-1).
    ("580", "Virements internes"),
    ("6222", "Commissions et courtages sur ventes"),
    ("627", "Services bancaires et assimilés"),
    ("628", "Divers"),
    ("654", "Pertes sur créances irrécouvrables"),
    ("701", "Ventes de produits finis"),
    ("706", "Prestations de services"),
    ("707", "Ventes de marchandises"),
    ("7084", "Mise à disposition de personnel facturée"),
)

# === The accountant's year: VAT return and closing (ADR 0023) ===
# The settlement of a VAT return (44551 due, 44567 credit carried forward; 44562 on fixed assets is
# among the purchase accounts)
# and the year-end cut-offs (418 / 487 / 408 / 486), reversed on the first day of the next year.
YEAR_END_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("408", "Fournisseurs - Factures non parvenues"),
    ("418", "Clients - Factures à établir"),
    ("44551", "TVA à décaisser"),
    ("44567", "Crédit de TVA à reporter"),
    ("486", "Charges constatées d'avance"),
    ("487", "Produits constatés d'avance"),
)
VAT_DUE_ACCOUNT = "44551"
VAT_CREDIT_ACCOUNT = "44567"
# === end of the accountant's year ===

# One 706x per activity of the hub. Every structure gets all of them, so an offering of any
# structure can point at the right one; an unused account costs nothing and prints nowhere.
ACTIVITY_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("7061", "Prestations de services - Blanchisserie"),
    ("7062", "Prestations de services - Services à la personne"),
    ("7063", "Prestations de services - Mobilité"),
    ("7064", "Prestations de services - Formation"),
    ("7065", "Prestations de services - Services mutualisés"),
    ("7067", "Prestations de services - Commissions de la plateforme"),
)
# === Purchases (supplier invoices: issue 13) ===
# The expense and fixed-asset accounts a supplier invoice is booked to, and the deductible VAT on
# fixed assets. Every structure gets them (an outside association as much as an ACI).
PURCHASE_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("2154", "Matériel industriel"),
    ("2182", "Matériel de transport"),
    ("2183", "Matériel de bureau et matériel informatique"),
    ("2184", "Mobilier"),
    ("44562", "TVA sur immobilisations"),
    ("601", "Achats stockés - Matières premières et fournitures"),
    ("602", "Achats stockés - Autres approvisionnements"),
    ("604", "Achats d'études et prestations de services"),
    ("606", "Achats non stockés de matières et fournitures"),
    ("6061", "Fournitures non stockables (eau, énergie)"),
    ("6063", "Fournitures d'entretien et de petit équipement"),
    ("6064", "Fournitures administratives"),
    ("607", "Achats de marchandises"),
    ("611", "Sous-traitance générale"),
    ("613", "Locations"),
    ("615", "Entretien et réparations"),
    ("616", "Primes d'assurances"),
    ("618", "Divers (documentation, colloques)"),
    ("622", "Rémunérations d'intermédiaires et honoraires"),
    ("623", "Publicité, publications, relations publiques"),
    ("625", "Déplacements, missions et réceptions"),
    ("626", "Frais postaux et de télécommunications"),
)
SUPPLIER_ACCOUNT = "401"
BANK_ACCOUNT = "512"
FIXED_ASSET_VAT_ACCOUNT = "44562"
# === end of purchases ===

# The platform's commission on a seller's card sale: the Collectif's revenue, the seller's expense.
PLATFORM_COMMISSION_ACCOUNT = "7067"
COMMISSION_EXPENSE_ACCOUNT = "6222"
DEDUCTIBLE_VAT_ACCOUNT = "44566"
BAD_DEBT_ACCOUNT = "654"

# Equity: an association holds fonds propres (ANC 2018-06), a company (share capital set) capital.
ASSOCIATION_EQUITY = ("102", "Fonds propres sans droit de reprise")
COMPANY_EQUITY = ("101", "Capital")

# VAT collected, one account per rate (rate in percent as a string, as in offerings).
VAT_ACCOUNTS = {"20.00": "445711", "10.00": "445712", "5.50": "445713"}
VAT_ON_RECEIPTS_ACCOUNT = "44587"
ADVANCE_ACCOUNT = "4191"  # advances received on orders (a prepaid season), one auxiliary code per advance
PROFIT_ACCOUNT = "120"
LOSS_ACCOUNT = "129"
COUNTERPART_PREFIX = "467"
# What the URSSAF owes for the immediate advance, between the client's validation and its transfer.
URSSAF_ADVANCE_ACCOUNT = ("4371", "URSSAF - avance immédiate à recevoir")


def stripe_clearing_account() -> tuple[str, str]:
    """The Stripe balance account: the accountant's choice (512x or 467x), 512800 by default."""
    return getattr(settings, "ACCOUNTING_STRIPE_CLEARING_ACCOUNT", "512800"), "Stripe"


def stripe_sepa_clearing_account() -> tuple[str, str]:
    """The account of SEPA Direct Debits collected through Stripe, 512810 by default."""
    return getattr(settings, "ACCOUNTING_STRIPE_SEPA_CLEARING_ACCOUNT", "512810"), "Stripe prélèvements SEPA"


def counterpart_account(counterpart: Structure) -> tuple[str, str]:
    """The 467 account of another structure of the hub (keyed on its id: stable across renames)."""
    return f"{COUNTERPART_PREFIX}{counterpart.pk:03d}", f"Compte courant - {counterpart.name}"[:150]


def chart_for(structure: Structure, counterparts) -> list[tuple[str, str]]:
    equity = COMPANY_EQUITY if structure.is_company else ASSOCIATION_EQUITY
    accounts = [
        equity,
        *COMMON_ACCOUNTS,
        *YEAR_END_ACCOUNTS,
        *ACTIVITY_ACCOUNTS,
        *PURCHASE_ACCOUNTS,
        stripe_clearing_account(),
        stripe_sepa_clearing_account(),
    ]
    # An outside association is no part of the hub's internal current accounts (467), either way.
    if not structure.is_outside_association:
        accounts += [
            counterpart_account(other)
            for other in counterparts
            if other.pk != structure.pk and not other.is_outside_association
        ]
    return sorted(accounts)
