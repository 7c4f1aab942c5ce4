"""The free quote of services à la personne (DOMAIN.md rule 19; arrêté du 17 mars 2015).

A provider must offer a free written quote when the monthly amount reaches 100 € incl. VAT, with
its declaration number and its mode of intervention, and keep a copy at least a year; the hub
offers it from the booking page of every SAP offering, as a PDF built here (kept a year in the
private storage: `RENDERED_PDF_KEEP_DAYS_BY_FOLDER`).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from hub.enums import SapInterventionMode
from hub.money import quantize
from services.models import Offering

FREE_QUOTE_THRESHOLD = Decimal("100.00")
VALIDITY_DAYS = 90


@dataclass(frozen=True)
class Quote:
    offering: Offering
    hours_per_visit: Decimal
    visits_per_month: int
    customer_name: str
    customer_address: str
    date: datetime.date

    @property
    def monthly_hours(self) -> Decimal:
        return self.hours_per_visit * self.visits_per_month

    @property
    def monthly_amount(self) -> Decimal:
        return quantize(self.offering.price * self.monthly_hours)

    @property
    def tax_credit(self) -> Decimal:
        return quantize(self.monthly_amount / 2)

    @property
    def net_amount(self) -> Decimal:
        return self.monthly_amount - self.tax_credit

    @property
    def threshold(self) -> Decimal:
        return FREE_QUOTE_THRESHOLD

    @property
    def is_mandatory(self) -> bool:
        """From 100 € a month the quote is owed to the client, free of charge."""
        return self.monthly_amount >= FREE_QUOTE_THRESHOLD

    @property
    def intervention_mode(self) -> str:
        """The provider's mode of intervention (an AI: « Mise à disposition »)."""
        mode = self.offering.structure.sap_intervention_mode
        return str(SapInterventionMode(mode).label) if mode in SapInterventionMode.values else ""

    @property
    def valid_until(self) -> datetime.date:
        return self.date + datetime.timedelta(days=VALIDITY_DAYS)


def make_quote(*, offering: Offering, hours_per_visit: Decimal, visits_per_month: int, customer) -> Quote:
    return Quote(
        offering=offering,
        hours_per_visit=hours_per_visit,
        visits_per_month=visits_per_month,
        customer_name=customer.get_full_name() or customer.email,
        customer_address="",
        date=timezone.localdate(),
    )


def quote_html(quote: Quote) -> str:
    """The quote's printable HTML; its PDF is rendered by a task (hub.rendering)."""
    return render_to_string("bookings/sap_quote_pdf.html", {"quote": quote, "provider": quote.offering.structure})
