"""Demo of the immediate advance: the AI (« Pôle Services ») reaches the URSSAF's API (the local stand-in's
test credentials), three clients are registered — one active since January with a monthly payment
request each month, all paid but the last (validated, the transfer to come), one who contested her
October request, one who has not activated her URSSAF account yet.

Seeded right before the marketplace's demo (`SEED_BEFORE`): its monthly invoices, January to October,
must come before the recent orders in Pôle Services' invoice series (numbered in date order). The
demo's statuses are written as the follow-up would have (the stand-in is not running at seed time).
Before 2026, two of the clients were served and paid the usual ways; their 2025 visits and tax
certificates come in `seed_demo_last` (`sap.demo_2025`).
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from hub.demo import demo_person
from hub.models import Structure
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import record_final_quantity, record_urssaf_payment
from marketplace.enums import PaymentMethod
from marketplace.models import Invoice
from marketplace.postings import post_urssaf_transfer
from sap import demo_2025
from sap.enums import EnrolmentStatus, RequestStatus
from sap.models import AdvanceClient, PaymentRequest, PaymentRequestEvent, UrssafAccount
from services.models import Offering

SEED_BEFORE = "marketplace"
PROVIDER = "pole-services"
STAND_IN_CLIENT_ID, STAND_IN_SECRET = "urssaf-test-client", "urssaf-test-secret"
YEAR = 2026
CLIENTS = (
    # email, first names, birth name, birth date, commune (INSEE code, postcode, name: born and living there),
    # status, months billed (hours), contested month
    ("avance.active@demo.pole.test", "Madeleine", "Perrot", datetime.date(1941, 2, 11), ("77333", "77140", "Nemours"),
     EnrolmentStatus.ACTIVE, {month: Decimal("8") for month in range(1, 11)}, None),
    ("avance.contestee@demo.pole.test", "Odette", "Lemaire", datetime.date(1950, 9, 30),
     ("77099", "77570", "Château-Landon"), EnrolmentStatus.ACTIVE, {9: Decimal("6"), 10: Decimal("7")}, 10),
    ("avance.attente@demo.pole.test", "Gilbert", "Charpentier", datetime.date(1946, 6, 4),
     ("77458", "77460", "Souppes-sur-Loing"), EnrolmentStatus.PENDING, {}, None),
)  # fmt: skip


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def seed_demo() -> dict[str, int]:
    provider = Structure.objects.filter(slug=PROVIDER).first()
    housework = Offering.objects.filter(structure__slug=PROVIDER, name="Ménage à domicile").first()
    if provider is None or housework is None or AdvanceClient.objects.filter(structure=provider).exists():
        return {}
    account = UrssafAccount(structure=provider, client_id=STAND_IN_CLIENT_ID, billing_id="TP-POLE-SERVICES")
    account.set_secret(STAND_IN_SECRET)
    account.save()
    staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    requests = 0
    planned = []
    for number, (email, first, last, born, (code, postcode, commune), status, months, contested) in enumerate(
        CLIENTS, start=1
    ):
        user = demo_person(email, first, last)
        registered = _at(datetime.date(YEAR, 1, 5 + number))
        client = AdvanceClient(
            structure=provider, customer=user, civility="2" if first != "Gilbert" else "1", birth_name=last.upper(),
            first_names=first, birth_date=born, birth_country_code="99100", birth_department="77",
            birth_commune_code=code, birth_commune_label=commune, mobile_phone=f"061234567{number}", email=email,
            street_number=str(3 * number), street_type_code="R", street_name="de la Fontaine", city_code=code,
            city_label=commune, postcode=postcode, bic="CCOPFRPPXXX", account_holder=f"{first} {last}",
            status=status, urssaf_id=f"demo-client-{number:04d}",
            urssaf_status="APPAREILLAGE_VALIDE" if status == EnrolmentStatus.ACTIVE else "APPAREILLAGE_EC",
            message="" if status == EnrolmentStatus.ACTIVE else "Inscription transmise : le client active son compte URSSAF (courriel de l'URSSAF).",
            created_by=staff or user, registered_at=registered, checked_at=registered,
            activated_at=registered + datetime.timedelta(days=2) if status == EnrolmentStatus.ACTIVE else None,
        )  # fmt: skip
        client.set_iban(f"FR76 4255 9100 0008 0000 0000 {number:03d}")
        client.save()
        planned += [(month, number, client, hours, month == contested) for month, hours in months.items()]
    # In date order across the clients: the provider's invoice series is numbered in date order.
    orders_2025 = demo_2025.seed_orders(provider, housework, staff)
    for month, _number, client, hours, was_contested in sorted(planned, key=lambda step: step[:2]):
        requests += _month(client, housework, month, hours, contested=was_contested)
    return {
        "clients de l'avance immédiate": len(CLIENTS),
        "commandes de services à la personne de 2025": orders_2025,
        "demandes de paiement URSSAF": requests,
    }


def seed_demo_last() -> dict[str, int]:
    """Once the insertion demo has made the AI's teams: the 2025 visits, then the 2025 certificates."""
    provider = Structure.objects.filter(slug=PROVIDER).first()
    housework = Offering.objects.filter(structure__slug=PROVIDER, name="Ménage à domicile").first()
    if provider is None or housework is None:
        return {}
    visits = demo_2025.seed_visits(provider, housework)
    return {
        "interventions à domicile de 2025": visits,
        "attestations fiscales 2025": demo_2025.issue_certificates(provider),
    }


def _month(client: AdvanceClient, housework: Offering, month: int, hours: Decimal, *, contested: bool) -> int:
    """The month's invoice (issued the 1st of the next month), its request and what followed."""
    issued = _at(datetime.date(YEAR, month + 1, 1), 8)
    user = client.customer
    order = place_order_for_items(
        user=user, items=[(housework, hours)], payment_method=PaymentMethod.URSSAF,
        billing=Billing(name=user.get_full_name(), address=f"{client.street_number} rue {client.street_name}\n"
                        f"{client.postcode} {client.city_label}", email=user.email),
        at=issued, for_booking=True, urssaf_advance=True,
    )  # fmt: skip
    line = order.lines.get()
    if line.quantity_measured_later:
        record_final_quantity(line=line, quantity=hours, by=None, issue=False)
    issue_order_invoices(order=order, at=issued)
    invoice = Invoice.objects.issued().get(order=order)
    start = datetime.date(YEAR, month, 1)
    end = datetime.date(YEAR, month + 1, 1) - datetime.timedelta(days=1)
    request = PaymentRequest.objects.create(
        client=client, invoice=invoice, amount=invoice.total_incl, period_start=start, period_end=end,
        urssaf_id=f"demo-request-{client.pk:03d}-{month:02d}", submitted_at=issued, attempts=1,
    )  # fmt: skip
    events = [(issued, RequestStatus.TO_SEND, "", f"Demande préparée pour la facture {invoice.number}."),
              (issued + datetime.timedelta(minutes=15), RequestStatus.WAITING, "10",
               "Envoyée à l'URSSAF : le client a 48 h pour la valider.")]  # fmt: skip
    final = (RequestStatus.WAITING, "20", "")
    last_month = month == 10
    if contested:
        refused = issued + datetime.timedelta(days=1)
        note = "Refusée — Contestation : erreur de facturation : une intervention annulée a été facturée"
        events.append((refused, RequestStatus.REFUSED, "40", note))
        request.reject_code, request.reject_comment = "CONTEST_ERR_FACT", "Une intervention annulée a été facturée"
        final = (RequestStatus.REFUSED, "40", note)
    else:
        validated = issued + datetime.timedelta(days=2)
        events.append((validated, RequestStatus.VALIDATED, "30", "Validée"))
        request.payment = record_urssaf_payment(order=order, structure=client.structure, amount=invoice.total_incl,
                                                at=validated)  # fmt: skip
        final = (RequestStatus.VALIDATED, "30", "Validée")
        paid = validated + datetime.timedelta(days=4)
        if not last_month and paid < timezone.now():
            events.append((paid, RequestStatus.PAID, "70", "Payée"))
            request.transfer_amount, request.transfer_date = invoice.total_incl, timezone.localdate(paid)
            post_urssaf_transfer(structure=client.structure, amount=invoice.total_incl,
                                 date=request.transfer_date, reference=invoice.number, key=str(request.pk))  # fmt: skip
            final = (RequestStatus.PAID, "70", "Payée")
    request.status, request.urssaf_status, request.message = final
    request.checked_at = events[-1][0]
    request.save()
    PaymentRequestEvent.objects.bulk_create(
        PaymentRequestEvent(request=request, at=at, status=status, urssaf_status=code, note=note)
        for at, status, code, note in events
    )
    return 1
