"""The URSSAF's immediate tax-credit advance (avance immédiate, API « Tiers de prestation »; ADR 0027, 0029).

1. Staff register a client (`enrol_client`): the identity is saved, then sent (`register_client`, a task:
   never an HTTP call inside a transaction or under a row lock). The URSSAF answers an idClient; the
   client activates their URSSAF account; `follow_clients` (beat) sees it and switches the client's
   regular home services with the structure to the advance (`PaymentMethod.URSSAF`).
2. Each month the home-service invoice of such a client (bookings' monthly invoicing) is an order paid
   by the advance: `sweep_requests` (beat) makes its payment request and sends it (`submit_request`).
3. `follow_requests` (beat) reads each open request's status: the client validates it (or is deemed to
   after 48 h) → the URSSAF's payment is recorded through the settlement (OD: D 4371 / C 411); the
   URSSAF's transfer → BQ D 512 / C 4371; refused or contested → staff correct and resend, or fall back
   to the usual means; cancelled after validation → the payment is reversed. Every change is an event.

Credentials per structure: `URSSAF_CREDENTIALS` in the settings ({slug: {client_id, client_secret,
billing_id}}), else the structure's `UrssafAccount` (secret encrypted at rest).
"""

import datetime
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import RecurringBooking
from hub import notify
from hub.models import Structure
from marketplace.actions.payments import record_urssaf_payment, reverse_urssaf_payment
from marketplace.enums import InvoiceKind, PaymentMethod
from marketplace.exceptions import MarketplaceError
from marketplace.models import Invoice
from marketplace.postings import post_urssaf_transfer
from sap import urssaf
from sap.enums import EnrolmentStatus, RequestStatus
from sap.exceptions import SapError, UrssafError, UrssafRefused, UrssafUnavailable
from sap.models import AdvanceClient, PaymentRequest, PaymentRequestEvent, UrssafAccount

logger = logging.getLogger(__name__)

REGISTER_CLIENT = "sap.register_client"
SUBMIT_REQUEST = "sap.submit_request"
ENROLMENT_OF_CLIENT_KIND = {
    urssaf.ClientKind.PENDING: EnrolmentStatus.PENDING,
    urssaf.ClientKind.ACTIVE: EnrolmentStatus.ACTIVE,
    urssaf.ClientKind.NOT_FINALISED: EnrolmentStatus.BLOCKED,
    urssaf.ClientKind.BLOCKED: EnrolmentStatus.BLOCKED,
    urssaf.ClientKind.EXPIRED: EnrolmentStatus.BLOCKED,
}
STATUS_OF_KIND = {
    urssaf.Kind.WAITING: RequestStatus.WAITING,
    urssaf.Kind.VALIDATED: RequestStatus.VALIDATED,
    urssaf.Kind.REFUSED: RequestStatus.REFUSED,
    urssaf.Kind.DEBITED: RequestStatus.DEBITED,
    urssaf.Kind.DEBIT_FAILED: RequestStatus.DEBIT_FAILED,
    urssaf.Kind.PAID: RequestStatus.PAID,
    urssaf.Kind.CANCELLED: RequestStatus.CANCELLED,
}
# The URSSAF's nature code of a home service when its offering names none (`Offering.sap_nature_code`).
DEFAULT_NATURE_CODE = "10"
# Statuses after which the URSSAF pays: the client validated (or was deemed to).
PAYING = {RequestStatus.VALIDATED, RequestStatus.DEBITED, RequestStatus.DEBIT_FAILED, RequestStatus.PAID}


# --- Credentials ---------------------------------------------------------------------------------------


def credentials_for(structure: Structure) -> tuple[str, str, str] | None:
    """(client id, secret, billing id) of the structure's access to the API, or None when it has none."""
    configured = (getattr(settings, "URSSAF_CREDENTIALS", None) or {}).get(structure.slug)
    if configured:
        return configured["client_id"], configured["client_secret"], configured.get("billing_id", structure.siret)
    account = UrssafAccount.objects.filter(structure=structure).first()
    if account is None or not account.secret:
        return None
    return account.client_id, account.secret, account.billing_id


def client_for(structure: Structure) -> urssaf.UrssafClient:
    credentials = credentials_for(structure)
    if not settings.URSSAF_API_BASE or credentials is None:
        raise SapError(_("%(name)s n'a pas d'accès configuré à l'API de l'URSSAF.") % {"name": structure.name})
    client_id, secret, _billing = credentials
    retries = getattr(settings, "URSSAF_RETRIES", 3)
    return urssaf.UrssafClient(settings.URSSAF_API_BASE, client_id, secret, retries=retries,
                               backoff=getattr(settings, "URSSAF_BACKOFF", 0.5))  # fmt: skip


def is_enabled(structure: Structure) -> bool:
    return bool(structure.sap_declaration_number) and credentials_for(structure) is not None


# --- Clients -------------------------------------------------------------------------------------------


def _identity(client: AdvanceClient) -> urssaf.ClientIdentity:
    return urssaf.ClientIdentity(
        civility=client.civility,
        birth_name=client.birth_name,
        usage_name=client.usage_name,
        first_names=client.first_names,
        birth_date=client.birth_date,
        birth_country_code=client.birth_country_code,
        birth_department=client.birth_department,
        birth_commune_code=client.birth_commune_code,
        birth_commune_label=client.birth_commune_label,
        mobile_phone=client.mobile_phone,
        email=client.email,
        address=urssaf.PostalAddress(
            city_label=client.city_label,
            city_code=client.city_code,
            postcode=client.postcode,
            street_number=client.street_number,
            street_letter=client.street_letter,
            street_type_code=client.street_type_code,
            street_name=client.street_name,
            complement=client.complement,
            locality=client.locality,
        ),
        iban=client.iban,
        bic=client.bic,
        account_holder=client.account_holder,
    )


@transaction.atomic
def enrol_client(*, structure: Structure, customer, by, iban: str, **identity) -> AdvanceClient:
    """Save a client's registration (the identity as on their tax notice) and send it once committed.
    A client withdrawn or refused earlier is registered again with the new data."""
    if not is_enabled(structure):
        raise SapError(_("%(name)s n'est pas habilitée à l'avance immédiate.") % {"name": structure.name})
    existing = AdvanceClient.objects.select_for_update().filter(structure=structure, customer=customer).first()
    if existing and existing.status not in {EnrolmentStatus.REFUSED, EnrolmentStatus.WITHDRAWN}:
        raise SapError(_("Ce client est déjà inscrit à l'avance immédiate."))
    client = existing or AdvanceClient(structure=structure, customer=customer, created_by=by)
    for name, value in identity.items():
        setattr(client, name, value)
    client.set_iban(iban)
    client.status, client.urssaf_status, client.message = EnrolmentStatus.TO_REGISTER, "", ""
    client.full_clean(exclude=["customer", "structure", "created_by", "iban_encrypted"])
    client.save()
    notify.enqueue_on_commit(REGISTER_CLIENT, client.pk)
    return client


def register_client(client_id: int) -> AdvanceClient:
    """Send a saved registration (task; idempotent: the URSSAF gives the same idClient for the same person).
    A refusal is kept with its French explanation for staff; the URSSAF unreachable leaves it to send."""
    client = AdvanceClient.objects.select_related("structure").get(pk=client_id)
    if client.status != EnrolmentStatus.TO_REGISTER:
        return client
    try:
        id_client = client_for(client.structure).register_client(_identity(client))
    except UrssafRefused as error:
        return _set_client(client.pk, status=EnrolmentStatus.REFUSED, message=error.message, code=error.urssaf_code)
    except (UrssafUnavailable, SapError) as error:
        return _set_client(client.pk, message=error.message)
    return _set_client(client.pk, status=EnrolmentStatus.PENDING, urssaf_id=id_client, registered=True,
                       code="APPAREILLAGE_EC",
                       message=_("Inscription transmise : le client active son compte URSSAF (courriel de l'URSSAF)."))  # fmt: skip


@transaction.atomic
def _set_client(pk: int, *, status=None, urssaf_id=None, message=None, code=None, registered=False) -> AdvanceClient:
    client = AdvanceClient.objects.select_for_update().get(pk=pk)
    now = timezone.now()
    if status is not None:
        client.status = status
    if urssaf_id is not None:
        client.urssaf_id = urssaf_id
    if message is not None:
        client.message = message[:300]
    if code is not None:
        client.urssaf_status = code[:30]
    if registered:
        client.registered_at = now
    client.checked_at = now
    if status == EnrolmentStatus.ACTIVE and client.activated_at is None:
        client.activated_at = now
    client.save()
    if status == EnrolmentStatus.ACTIVE:
        switch_series_to_advance(client)
    return client


def switch_series_to_advance(client: AdvanceClient) -> int:
    """The client's regular home services with the structure are paid by the advance from now on."""
    return (
        RecurringBooking.objects.filter(
            customer=client.customer,
            organisation__isnull=True,
            offering__structure=client.structure,
            offering__sap_eligible=True,
            is_active=True,
        )
        .exclude(payment_method=PaymentMethod.URSSAF)
        .update(payment_method=PaymentMethod.URSSAF)
    )


def follow_clients(*, structure: Structure | None = None) -> int:
    """Beat: the registrations to send, and the clients waiting for activation (or suspended), read again."""
    clients = AdvanceClient.objects.select_related("structure").filter(
        status__in=[EnrolmentStatus.TO_REGISTER, EnrolmentStatus.PENDING, EnrolmentStatus.BLOCKED]
    )
    if structure is not None:
        clients = clients.filter(structure=structure)
    changed = 0
    for client in clients:
        if client.status == EnrolmentStatus.TO_REGISTER:
            register_client(client.pk)
            changed += 1
            continue
        try:
            state = client_for(client.structure).client_status(client.urssaf_id)
        except UrssafError as error:
            logger.warning("URSSAF client status unavailable for advance client %s: %s", client.pk, error.urssaf_code
                           if isinstance(error, UrssafRefused) else "unavailable")  # fmt: skip
            continue
        except SapError:
            continue
        status = ENROLMENT_OF_CLIENT_KIND.get(state.kind, client.status)
        if status != client.status or state.code != client.urssaf_status:
            _set_client(client.pk, status=status, code=state.code, message=state.label)
            changed += 1
    return changed


@transaction.atomic
def withdraw_client(*, client: AdvanceClient, by) -> AdvanceClient:
    """The client leaves the advance: their regular services go back to being paid by cheque (staff change it
    if need be); requests already sent follow their course."""
    client = AdvanceClient.objects.select_for_update().get(pk=client.pk)
    client.status = EnrolmentStatus.WITHDRAWN
    client.message = _("Retiré de l'avance immédiate par %(who)s.") % {"who": by.get_full_name() or by.email}
    client.save(update_fields=["status", "message"])
    RecurringBooking.objects.filter(
        customer=client.customer, offering__structure=client.structure, payment_method=PaymentMethod.URSSAF
    ).update(payment_method=PaymentMethod.CHEQUE)
    return client


@transaction.atomic
def send_registration_again(*, client: AdvanceClient, by) -> AdvanceClient:
    """Staff (API): send again a registration not sent yet (the URSSAF was unreachable) or refused (the data
    corrected since, e.g. in the back office); sent once committed, like `enrol_client`."""
    client = AdvanceClient.objects.select_for_update().get(pk=client.pk)
    if client.status not in {EnrolmentStatus.TO_REGISTER, EnrolmentStatus.REFUSED}:
        raise SapError(_("Seule une inscription refusée ou pas encore transmise se renvoie."), code="not_resendable")
    client.status, client.urssaf_status = EnrolmentStatus.TO_REGISTER, ""
    client.message = _("Inscription renvoyée par %(who)s.") % {"who": by.get_full_name() or by.email}
    client.save(update_fields=["status", "urssaf_status", "message"])
    notify.enqueue_on_commit(REGISTER_CLIENT, client.pk)
    return client


# --- Payment requests ----------------------------------------------------------------------------------


def _event(request: PaymentRequest, status: str, note: str = "", code: str = "") -> None:
    PaymentRequestEvent.objects.create(
        request=request, at=timezone.now(), status=status, urssaf_status=code, note=note[:300]
    )


def sweep_requests() -> list[PaymentRequest]:
    """Beat: a payment request for each issued invoice of an order paid by the advance that has none yet,
    then every request to send is sent (idempotent)."""
    invoices = (
        Invoice.objects.issued()
        .filter(kind=InvoiceKind.INVOICE, order__payment_method=PaymentMethod.URSSAF, urssaf_request__isnull=True)
        .select_related("order", "structure")
        .order_by("issue_date", "pk")
    )
    created = []
    for invoice in invoices:
        request = _create_request(invoice)
        if request is not None:
            created.append(request)
    for pk in PaymentRequest.objects.filter(status=RequestStatus.TO_SEND).values_list("pk", flat=True):
        submit_request(pk)
    return created


@transaction.atomic
def _create_request(invoice: Invoice) -> PaymentRequest | None:
    order = invoice.order
    client = AdvanceClient.objects.filter(structure=invoice.structure, customer_id=order.customer_id).first()
    if client is None:
        return None
    start = invoice.period_start or invoice.issue_date.replace(day=1)
    end = invoice.period_end or invoice.issue_date
    request, created = PaymentRequest.objects.get_or_create(
        invoice=invoice,
        defaults={"client": client, "amount": invoice.total_incl, "period_start": start, "period_end": end},
    )
    if created:
        _event(
            request,
            RequestStatus.TO_SEND,
            _("Demande préparée pour la facture %(number)s.") % {"number": invoice.number},
        )
    return request


def _period(request: PaymentRequest) -> tuple[datetime.date, datetime.date]:
    """One calendar month at most, as the URSSAF requires: the invoice's period, or the month of its hours."""
    lines = request.invoice.order.lines.all() if request.invoice.order_id else []
    days = [booking.starts_at for line in lines for booking in line.bookings.all()]
    if days:
        first = timezone.localdate(min(days))
        last = timezone.localdate(max(days))
        if (first.year, first.month) == (last.year, last.month):
            return first, last
    return request.period_start, request.period_end


def _payload(request: PaymentRequest) -> urssaf.PaymentRequestInput:
    invoice = request.invoice
    client = request.client
    _id, _secret, billing_id = credentials_for(invoice.structure)
    lines = []
    for line in invoice.lines.select_related("order_line__offering").order_by("pk"):
        hourly = line.unit == "hour"
        offering = line.order_line.offering if line.order_line_id else None
        lines.append(
            urssaf.PaymentRequestLine(
                nature_code=(offering.sap_nature_code if offering else "") or DEFAULT_NATURE_CODE,
                quantity=line.quantity if hourly else Decimal("1"),
                unit="HEURE" if hourly else "FORFAIT",
                unit_price=line.unit_price_incl if hourly else line.total_incl,
                amount_ttc=line.total_incl,
                amount_ht=line.total_excl,
                amount_vat=line.total_vat,
                complement2=invoice.structure.sap_declaration_number,
            )
        )
    start, end = _period(request)
    return urssaf.PaymentRequestInput(
        provider_billing_id=billing_id,
        client_id=client.urssaf_id,
        client_birth_date=client.birth_date,
        invoice_number=invoice.number,
        invoice_date=invoice.issue_date,
        period_start=start,
        period_end=end,
        total_ttc=invoice.total_incl,
        total_ht=invoice.total_excl,
        lines=tuple(lines),
    )


def submit_request(pk: int) -> PaymentRequest:
    """Send a request (task; outside any transaction). Refused → kept with the French reason for staff
    (correct and resend, or fall back); unreachable → stays to send, retried by the beat."""
    request = PaymentRequest.objects.select_related("client__structure", "invoice__structure").get(pk=pk)
    if request.status != RequestStatus.TO_SEND:
        return request
    if request.client.status != EnrolmentStatus.ACTIVE:
        return _after_submit(pk, message=_("En attente : l'inscription du client n'est pas encore active."))
    try:
        sent = client_for(request.client.structure).submit_payment_request(_payload(request))
    except UrssafRefused as error:
        return _after_submit(pk, status=RequestStatus.FAILED, message=error.message, code=error.urssaf_code)
    except (UrssafUnavailable, SapError) as error:
        return _after_submit(pk, message=error.message)
    return _after_submit(pk, status=RequestStatus.WAITING, urssaf_id=sent.id, code=sent.status,
                         message=_("Envoyée à l'URSSAF : le client a 48 h pour la valider."))  # fmt: skip


@transaction.atomic
def _after_submit(pk: int, *, status=None, urssaf_id=None, message="", code="") -> PaymentRequest:
    request = PaymentRequest.objects.select_for_update().get(pk=pk)
    request.attempts += 1
    request.message = message[:300]
    if urssaf_id:
        request.urssaf_id = urssaf_id
        request.submitted_at = timezone.now()
    if code:
        request.urssaf_status = code[:40]
    if status is not None and status != request.status:
        request.status = status
        _event(request, status, message, code)
    request.save()
    return request


def follow_requests() -> int:
    """Beat: the open requests' statuses, ten at a time, each change applied (idempotent)."""
    open_requests = list(
        PaymentRequest.objects.filter(status__in=RequestStatus.open())
        .exclude(urssaf_id="")
        .select_related("client__structure")
        .order_by("pk")
    )
    by_structure: dict[int, list[PaymentRequest]] = {}
    for request in open_requests:
        by_structure.setdefault(request.client.structure_id, []).append(request)
    changed = 0
    for requests in by_structure.values():
        structure = requests[0].client.structure
        try:
            statuses = client_for(structure).search_payment_requests(ids=[r.urssaf_id for r in requests])
        except (UrssafError, SapError):
            continue  # the next run tries again
        known = {r.urssaf_id: r.pk for r in requests}
        for state in statuses:
            if state.id in known and apply_status(known[state.id], state):
                changed += 1
    return changed


@transaction.atomic
def apply_status(pk: int, state: urssaf.PaymentRequestStatus) -> bool:
    """One status read from the URSSAF: logged if new; the money follows (settlement and postings)."""
    request = (
        PaymentRequest.objects.select_for_update(of=("self",))
        .select_related("invoice__order", "invoice__structure", "client")
        .get(pk=pk)
    )
    request.checked_at = timezone.now()
    status = STATUS_OF_KIND.get(state.kind, request.status)
    if (
        state.status_code == request.urssaf_status
        and status == request.status
        and not (state.transfer_amount and request.transfer_amount is None)
    ):
        request.save(update_fields=["checked_at"])
        return False
    note = state.status_label
    if state.reject_code:
        request.reject_code = state.reject_code[:30]
        request.reject_comment = (state.reject_comment or "")[:500]
        note = f"{note} — {urssaf.REJECT_REASONS.get(state.reject_code, state.reject_code)}"
        if state.reject_comment:
            note = f"{note} : {state.reject_comment}"
    request.status, request.urssaf_status = status, state.status_code
    request.message = note[:300]
    _event(request, status, note, state.status_code)
    if status in PAYING and request.payment_id is None:
        _record_payment(request)
    if status == RequestStatus.PAID and state.transfer_amount and request.transfer_amount is None:
        request.transfer_amount = state.transfer_amount
        request.transfer_date = state.transfer_date or timezone.localdate()
        post_urssaf_transfer(structure=request.invoice.structure, amount=state.transfer_amount,
                             date=min(request.transfer_date, timezone.localdate()), reference=request.invoice.number,
                             key=str(request.pk))  # fmt: skip
    if status == RequestStatus.CANCELLED and request.payment_id is not None:
        reverse_urssaf_payment(payment=request.payment, note=note)
    request.save()
    return True


def _record_payment(request: PaymentRequest) -> None:
    invoice = request.invoice
    try:
        request.payment = record_urssaf_payment(order=invoice.order, structure=invoice.structure, amount=request.amount)
    except MarketplaceError as error:  # paid meanwhile by other means: staff sort it out
        request.message = error.message[:300]


# --- Staff actions ---------------------------------------------------------------------------------------


@transaction.atomic
def resend_request(*, request: PaymentRequest, by) -> PaymentRequest:
    """A request refused when sent (the client not active yet, a data error corrected since): send it again."""
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in {RequestStatus.FAILED, RequestStatus.TO_SEND}:
        raise SapError(_("Seule une demande refusée à l'envoi se renvoie ; une demande contestée appelle un avoir."))
    request.status = RequestStatus.TO_SEND
    request.save(update_fields=["status"])
    _event(request, RequestStatus.TO_SEND, _("Renvoi demandé par %(who)s.") % {"who": by.get_full_name() or by.email})
    notify.enqueue_on_commit(SUBMIT_REQUEST, request.pk)
    return request


@transaction.atomic
def fall_back(*, request: PaymentRequest, by) -> PaymentRequest:
    """The request was refused or contested, or its debit failed: the invoice is paid by the usual means
    (staff record the payment at the counter; reminders follow it like any invoice)."""
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in {RequestStatus.REFUSED, RequestStatus.FAILED, RequestStatus.CANCELLED,
                              RequestStatus.DEBIT_FAILED} or request.fallback_at:  # fmt: skip
        raise SapError(_("Cette demande suit son cours à l'URSSAF."))
    if request.payment_id is not None and request.payment.state == "succeeded":
        raise SapError(_("L'URSSAF a validé cette demande : elle la paie."))
    request.fallback_at = timezone.now()
    request.save(update_fields=["fallback_at"])
    _event(
        request,
        request.status,
        _("Réglée par un autre moyen (décision de %(who)s).") % {"who": by.get_full_name() or by.email},
    )
    return request


def requests_of(clients: Iterable[AdvanceClient]):
    return PaymentRequest.objects.filter(client__in=list(clients)).select_related("invoice").prefetch_related("events")
