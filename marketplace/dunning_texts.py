"""The words of reminders: each structure's default levels, the kind words residents get, and the
`{placeholder}` filling (nothing else of a template is evaluated: accountants write them)."""

import re

from hub.formatting import date_long, euros
from marketplace.enums import DunningKind
from marketplace.receivables import OpenItem

PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")

DEFAULT_LEVELS = (
    (
        1,
        7,
        DunningKind.FRIENDLY,
        "Rappel : facture {facture} en attente de règlement",
        "Bonjour,\n\nSauf erreur de notre part, la facture {facture} du {date_facture}, d'un montant restant dû de "
        "{montant}, arrivait à échéance le {echeance}. Peut-être s'agit-il d'un simple oubli : nous vous "
        "remercions de bien vouloir procéder à son règlement.\n\nSi votre paiement est déjà parti, merci de ne pas "
        "tenir compte de ce message.\n\nCordialement,\n{structure}",
    ),
    (
        2,
        15,
        DunningKind.SECOND,
        "Deuxième relance : facture {facture} impayée",
        "Bonjour,\n\nMalgré notre précédent rappel, la facture {facture} ({montant} restant dû, échue le "
        "{echeance}) n'est toujours pas réglée, avec {jours} jours de retard. Nous vous remercions d'en effectuer "
        "le règlement sous huit jours, ou de nous contacter si une difficulté se présente.\n\n"
        "Cordialement,\n{structure}",
    ),
    (
        3,
        30,
        DunningKind.FORMAL_NOTICE,
        "Mise en demeure : facture {facture}",
        "Madame, Monsieur,\n\nLa facture {facture}, échue le {echeance}, reste impayée pour un montant de "
        "{montant} malgré nos relances. Nous vous mettons en demeure de la régler sous quinze jours. À défaut, "
        "les pénalités de retard et l'indemnité forfaitaire pour frais de recouvrement de 40 € prévues par "
        "l'article L441-10 du code de commerce, mentionnées sur la facture, seront exigibles.\n\n{structure}",
    ),
)
RESIDENT_SUBJECT = "Petit rappel : facture {facture}"
RESIDENT_BODY = (
    "Bonjour {client},\n\nNous nous permettons de vous rappeler que la facture {facture} ({montant} restant dû) "
    "arrivait à échéance le {echeance}. Ce n'est peut-être qu'un oubli ; si le règlement vous pose une "
    "difficulté, répondez simplement à ce message ou passez nous voir : nous trouverons une solution "
    "ensemble.\n\nVotre relevé de compte est joint.\n\nBien cordialement,\n{structure}"
)


def fill(template: str, values: dict[str, str]) -> str:
    """`{name}` placeholders replaced by their value (unknown ones left as typed); nothing else is evaluated."""
    return PLACEHOLDER_RE.sub(lambda match: values.get(match[1], match[0]), template)


def placeholders(item: OpenItem) -> dict[str, str]:
    invoice = item.invoice
    return {
        "client": item.customer_name,
        "facture": invoice.number,
        "date_facture": date_long(invoice.issue_date),
        "montant": euros(item.open),
        "echeance": date_long(item.due_date),
        "jours": str(max(item.days_past_due, 0)),
        "structure": invoice.structure.name,
    }
