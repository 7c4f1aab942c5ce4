"""The dashboard's figures as rows (figure, activity, value, unit): the CSV download and the PDF read them."""

from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from impact.figures import Summary, activity_label
from insertion.enums import ExitCategory

HEADER = ("Indicateur", "Activité", "Valeur", "Unité")


def rows(figures: Summary) -> Iterator[tuple[str, str, Decimal | int | str, str]]:
    for key, value in figures.revenue.items():
        yield _("Chiffre d'affaires HT"), str(activity_label(key)), value, "€"
    yield _("Chiffre d'affaires HT"), _("Total"), figures.revenue_total, "€"
    for key, value in figures.hours.items():
        yield _("Heures d'insertion validées"), str(activity_label(key)), value, "h"
    yield _("Heures d'insertion validées"), _("Total"), figures.hours_total, "h"
    for key, value in figures.revenue_per_hour.items():
        label = _("Total") if key == "total" else str(activity_label(key))
        yield _("Chiffre d'affaires par heure d'insertion"), label, "" if value is None else value, "€/h"
    yield _("ETP prévus (contrats)"), "", figures.fte.planned, _("ETP")
    yield _("ETP réalisés (heures validées)"), "", figures.fte.done, _("ETP")
    yield _("Entrées"), "", figures.people.entries, _("personnes")
    yield _("Sorties"), "", figures.people.exits, _("personnes")
    for category, count in figures.people.exit_categories.items():
        yield _("Sorties enregistrées"), str(ExitCategory(category).label), count, _("personnes")
    for label, rate in ((_("Taux de sorties en emploi durable"), figures.people.durable_rate),
                        (_("Taux de sorties dynamiques"), figures.people.dynamic_rate)):  # fmt: skip
        yield label, "", "" if rate is None else rate, "%"
    yield _("Présent·es en fin de période"), "", figures.people.present, _("personnes")
    yield _("Ménages servis"), "", figures.customers.households, _("ménages")
    yield _("Organisations servies"), "", figures.customers.organisations, _("organisations")
    yield _("Ménages au tarif solidaire"), "", figures.customers.solidarity_households, _("ménages")
    share = figures.customers.solidarity_share
    yield _("Part des ménages au tarif solidaire"), "", "" if share is None else share, "%"
    yield _("Paniers livrés"), "", figures.activity.baskets, _("paniers")
    yield _("Linge traité"), "", figures.activity.laundry_kg, "kg"
    yield _("Heures d'intervention à domicile"), "", figures.activity.visit_hours, "h"
    yield _("Transport solidaire"), "", figures.activity.transport_km, "km"
