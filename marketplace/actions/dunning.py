"""Reminders of unpaid invoices and late-payment penalties (docs/adr/0022-receivables-and-dunning.md).

- Each structure has its levels (by default a friendly reminder 7 days after the due date, a second
  at 15, a formal notice at 30). For each overdue invoice with something open, not paused, of a
  customer who owes money overall, the highest level reached above the last one sent goes out — once:
  `ReminderSent` is unique per (invoice, level).
- A resident (an invoice not to a business) is reminded in kind words at every level, and is never
  charged penalties. A business (C. com. L441-10, D441-5) owes late-payment interest at three times
  the legal interest rate — the rate its invoices print — from the day after the due date, and a flat
  40 € recovery fee per invoice: invoiced once per invoice, by the selling structure, on the accountant's
  confirmation.
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.actions import ensure_account
from hub.models import Structure
from hub.money import quantize
from marketplace import notify, receivables
from marketplace.actions.invoicing import issue
from marketplace.dunning_texts import DEFAULT_LEVELS
from marketplace.enums import DunningPauseReason, InvoiceKind, OperationCategory
from marketplace.exceptions import DunningError
from marketplace.models import (
    DunningLevel,
    DunningPause,
    DunningPolicy,
    Invoice,
    InvoiceLine,
    LatePenalty,
    ReminderSent,
)
from marketplace.models.dunning import RECOVERY_FEE

ZERO = Decimal("0.00")
PENALTY_ACCOUNT = ("7638", "Revenus des autres créances (pénalités de retard)")
PENALTY_VAT_MENTION = "Hors champ de la TVA : indemnités de retard (CGI art. 256)."


def ensure_default_levels(structure: Structure) -> list[DunningLevel]:
    """The structure's levels, the defaults created if it has none (idempotent)."""
    levels = list(DunningLevel.objects.filter(structure=structure).order_by("rank"))
    if levels:
        return levels
    DunningLevel.objects.bulk_create(
        [
            DunningLevel(structure=structure, rank=rank, days_after_due=days, kind=kind, subject=subject, body=body)
            for rank, days, kind, subject, body in DEFAULT_LEVELS
        ],
        ignore_conflicts=True,
    )
    return list(DunningLevel.objects.filter(structure=structure).order_by("rank"))


def policy_for(structure: Structure) -> DunningPolicy:
    policy, _created = DunningPolicy.objects.get_or_create(structure=structure)
    return policy


def paused(structure: Structure, *, on: datetime.date) -> tuple[set[int], set[str]]:
    """(invoice ids, customer codes) whose reminders are paused on `on`."""
    rows = DunningPause.objects.filter(structure=structure, until__gte=on, lifted_at__isnull=True).values_list(
        "invoice_id", "customer_code"
    )
    invoices = {invoice_id for invoice_id, _code in rows if invoice_id}
    return invoices, {code for _invoice_id, code in rows if code}


def next_level(item: receivables.OpenItem, levels: list[DunningLevel], sent_ranks: set[int]) -> DunningLevel | None:
    """The highest level the invoice has reached, if above every level already sent for it."""
    reached = [level for level in levels if level.days_after_due <= item.days_past_due]
    if not reached:
        return None
    level = max(reached, key=lambda level: level.rank)
    return level if all(level.rank > rank for rank in sent_ranks) else None


def due_reminders(structure: Structure, *, on: datetime.date | None = None) -> list[tuple]:
    """[(open item, level)] to send today: overdue, open, not paused, from a customer who owes overall."""
    on = on or timezone.localdate()
    levels = ensure_default_levels(structure)
    aged = receivables.aged_balance(structure, on=on)
    paused_invoices, paused_customers = paused(structure, on=on)
    sent: dict[int, set[int]] = {}
    for invoice_id, rank in ReminderSent.objects.filter(invoice__structure=structure).values_list(
        "invoice_id", "level__rank"
    ):
        sent.setdefault(invoice_id, set()).add(rank)
    due = []
    for customer in aged.customers:
        if customer.total <= 0 or customer.code in paused_customers:
            continue
        for item in customer.items:
            if not item.is_overdue or item.invoice.pk in paused_invoices:
                continue
            level = next_level(item, levels, sent.get(item.invoice.pk, set()))
            if level is not None:
                due.append((item, level))
    return due


def recipient_of(invoice: Invoice) -> str:
    """Where the invoice's customer is reached: the organisation's billing address, the member
    structure's contact address, or the person's own."""
    if invoice.organisation_id and invoice.organisation.email:
        return invoice.organisation.email
    if invoice.buyer_structure_id and invoice.buyer_structure.email:
        return invoice.buyer_structure.email
    return invoice.customer.email if invoice.customer_id else ""


@transaction.atomic
def send_reminder(
    *, item: receivables.OpenItem, level: DunningLevel, by=None, at: datetime.datetime | None = None
) -> ReminderSent:
    """Record one reminder and write its e-mail (with the statement attached) to the outbox: once per
    invoice and level — a second call refuses (`DunningError`) and writes nothing."""
    invoice = item.invoice
    if level.structure_id != invoice.structure_id:
        raise DunningError(_("Ce niveau de relance n'est pas celui de la structure de la facture."))
    if ReminderSent.objects.filter(invoice=invoice, level=level).exists():
        raise DunningError(
            _("La relance « %(level)s » de la facture %(number)s a déjà été envoyée.")
            % {"level": level.get_kind_display(), "number": invoice.number}
        )
    try:
        with transaction.atomic():
            reminder = ReminderSent.objects.create(
                invoice=invoice,
                level=level,
                sent_at=at or timezone.now(),
                to=recipient_of(invoice),
                by=by,
                open_amount=item.open,
                days_overdue=max(item.days_past_due, 0),
            )
    except IntegrityError as error:  # sent by a concurrent run meanwhile
        raise DunningError(_("Cette relance vient d'être envoyée.")) from error
    notify.reminder_email(reminder.pk, related=f"relance {invoice.number}")
    return reminder


def send_due_reminders(*, on: datetime.date | None = None, structures=None) -> int:
    """Every structure's due reminders (beat, daily; `manage.py send_reminders`); how many were sent.
    Each reminder in its own transaction: one refused never stops the others; twice sends nothing more."""
    on = on or timezone.localdate()
    sent = 0
    for structure in structures if structures is not None else Structure.objects.order_by("pk"):
        for item, level in due_reminders(structure, on=on):
            try:
                send_reminder(item=item, level=level)
            except DunningError:
                continue
            sent += 1
    return sent


def find_item(structure: Structure, invoice_id: int, *, on: datetime.date | None = None):
    """The open item of one of the structure's invoices, or None when nothing is open on it."""
    aged = receivables.aged_balance(structure, on=on)
    return next((item for item in aged.items if item.invoice.pk == invoice_id), None)


@transaction.atomic
def send_reminder_by_hand(
    *, structure: Structure, invoice_id: int, by, on: datetime.date | None = None
) -> ReminderSent:
    """The accountant's « envoyer la relance »: the next level of an overdue invoice, now, even if its day
    has not come (the first level if none was sent); never a level twice."""
    item = find_item(structure, invoice_id, on=on)
    if item is None or not item.is_overdue:
        raise DunningError(_("Cette facture n'a rien d'échu à relancer."))
    levels = ensure_default_levels(structure)
    sent_ranks = set(ReminderSent.objects.filter(invoice_id=invoice_id).values_list("level__rank", flat=True))
    level = next_level(item, levels, sent_ranks) or next(
        (level for level in levels if all(level.rank > rank for rank in sent_ranks)), None
    )
    if level is None:
        raise DunningError(_("Tous les niveaux de relance ont déjà été envoyés pour cette facture."))
    return send_reminder(item=item, level=level, by=by)


@transaction.atomic
def pause_reminders(
    *,
    structure: Structure,
    by,
    reason: str,
    until: datetime.date,
    invoice: Invoice | None = None,
    customer_code: str = "",
    note: str = "",
) -> DunningPause:
    """Stop the reminders of one invoice or of one customer until a date (a dispute, a payment plan)."""
    if reason not in DunningPauseReason.values:
        raise DunningError(_("Motif de suspension inconnu."))
    if until < timezone.localdate():
        raise DunningError(_("La suspension court jusqu'à aujourd'hui au moins."))
    if (invoice is None) == (not customer_code):
        raise DunningError(_("Une suspension vise une facture ou un client."))
    if invoice is not None and invoice.structure_id != structure.pk:
        raise DunningError(_("Cette facture n'est pas de cette structure."))
    return DunningPause.objects.create(
        structure=structure,
        invoice=invoice,
        customer_code=customer_code,
        reason=reason,
        until=until,
        note=note.strip(),
        created_by=by,
    )


@transaction.atomic
def lift_pause(*, pause: DunningPause, at: datetime.datetime | None = None) -> DunningPause:
    DunningPause.objects.filter(pk=pause.pk, lifted_at__isnull=True).update(lifted_at=at or timezone.now())
    pause.refresh_from_db()
    return pause


# --- Late-payment penalties (B2B only) --------------------------------------------------------


def late_penalty(item: receivables.OpenItem, policy: DunningPolicy) -> tuple[int, Decimal, Decimal, Decimal]:
    """(days late, yearly rate %, interest, recovery fee) of an overdue business invoice: interest on the
    open amount from the day after the due date, at three times the legal rate, on a 365-day year,
    rounded half-up; plus 40 € (C. com. D441-5). Nothing for a resident."""
    if not item.is_business or not item.is_overdue:
        return 0, ZERO, ZERO, ZERO
    days = item.days_past_due
    rate = policy.penalty_rate
    interest = quantize(item.open * rate / Decimal(100) * days / Decimal(365))
    return days, rate, interest, RECOVERY_FEE


@transaction.atomic
def invoice_late_penalty(
    *, structure: Structure, invoice_id: int, by, at: datetime.datetime | None = None
) -> LatePenalty:
    """Invoice one overdue business invoice's penalties and 40 € indemnity, by its seller, once: outside
    the scope of VAT (compensation, not a supply), to 7638, payable on receipt."""
    at = at or timezone.now()
    on = timezone.localdate(at)
    # The invoice's row lock serialises two clicks: the second finds the penalty and refuses.
    locked = Invoice.objects.select_for_update(of=("self",)).filter(pk=invoice_id, structure=structure).first()
    if locked is None:
        raise DunningError(_("Facture inconnue."))
    if LatePenalty.objects.filter(invoice_id=invoice_id).exists():
        raise DunningError(_("Les pénalités de cette facture ont déjà été facturées."))
    item = find_item(structure, invoice_id, on=on)
    if item is None or not item.is_overdue:
        raise DunningError(_("Cette facture n'est pas en retard de paiement."))
    if not item.is_business:
        raise DunningError(_("Un particulier n'est jamais facturé de pénalités de retard."))
    days, rate, interest, fee = late_penalty(item, policy_for(structure))
    source = item.invoice
    ensure_account(structure=structure, code=PENALTY_ACCOUNT[0], label=PENALTY_ACCOUNT[1])
    total = interest + fee
    penalty = Invoice.objects.create(
        kind=InvoiceKind.INVOICE,
        structure=structure,
        category=OperationCategory.SERVICES,
        buyer_name=source.buyer_name,
        buyer_address=locked.buyer_address,
        buyer_siren=locked.buyer_siren,
        buyer_vat_number=locked.buyer_vat_number,
        buyer_is_business=True,
        buyer_structure_id=locked.buyer_structure_id,
        customer_id=locked.customer_id,
        organisation_id=locked.organisation_id,
        total_excl=total,
        total_vat=ZERO,
        total_incl=total,
        due_date=on,
    )
    lines = [
        (
            _("Pénalités de retard — facture %(number)s : %(open)s × %(rate)s %% × %(days)s j / 365")
            % {"number": source.number, "open": item.open, "rate": f"{rate:.2f}".replace(".", ","), "days": days},
            interest,
        ),
        (_("Indemnité forfaitaire pour frais de recouvrement — facture %(number)s") % {"number": source.number}, fee),
    ]
    created = InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=penalty,
                description=description[:200],
                quantity=Decimal("1"),
                unit="item",
                unit_price_incl=amount,
                unit_price_excl=amount,
                vat_rate=ZERO,
                vat_exemption_mention=PENALTY_VAT_MENTION,
                revenue_account=PENALTY_ACCOUNT[0],
                is_goods=False,
                total_excl=amount,
                total_vat=ZERO,
                total_incl=amount,
            )
            for description, amount in lines
            if amount > 0
        ]
    )
    issue(penalty, at=at, lines=created)
    return LatePenalty.objects.create(
        invoice=source,
        penalty_invoice=penalty,
        days_late=days,
        rate=rate,
        interest=interest,
        recovery_fee=fee,
        created_at=at,
        created_by=by,
    )
