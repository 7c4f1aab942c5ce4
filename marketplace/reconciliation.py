"""The marketplace's reconciliation checks (registered in `accounting.reconciliation` at start-up).

Each check compares what the marketplace says happened with what the books say, set-based (a few
aggregate queries whatever the number of orders), and returns one `Difference` per mismatch.

`invoices_posted` — every issued invoice and credit note has its sales entry (source
    ("invoice", pk, "issued"), in the seller's books) and that entry's total debit equals the
    document's total incl. VAT (D 411 for an invoice, D 70x + 4457x for a credit note).

`shares_booked` — what each seller keeps of an order (its share's received − refunded − disputed)
    equals what the books say it received for that order:
        Σ (credit − debit) of the 411 lines in the **seller's** books whose entry's piece is the
          order's reference (payments received, transfers of a mixed card order, refunds, disputes;
          invoices carry their own number as piece and are not counted)
      + Σ (credit − debit) of the 467-<seller> lines in the **Collectif's** books whose piece is the
          order's reference (the part of a mixed card payment the Collectif still holds for the
          seller: credited at the charge, debited at the transfer).
    A credit the customer kept and used on this order (`PaymentMethod.CREDIT`: 411 to 411, no money
    moved) is taken out of the share's figure. A card refund prepared but not yet made at Stripe (`Refund.state` pending: the share already
    counts it, its posting waits for Stripe's answer) is added back to the share's figure.
    A piece booked for an order reference with no share is a difference too (expected 0).

`counterparts_settled` — for every transfer of a mixed card order, the Collectif's 467-<seller>
    nets to zero for that order: what it held for the seller has all been passed on.

`stripe_balance` — the Stripe clearing accounts' balance (cards and SEPA debits, debit − credit) in the books of each
    structure with a Stripe account, and of the Collectif (the platform), equals the balance
    Stripe reports for that account (available + pending, in euros). Skipped, « non vérifié »,
    when Stripe is not configured.

`receivables_match_ledger` — what the aged balance says each customer owes a structure (its open invoices,
    less its credit) equals its 411 sub-account in that structure's books.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from accounting.chart import COUNTERPART_PREFIX, stripe_clearing_account, stripe_sepa_clearing_account
from accounting.models import Entry, EntryLine
from accounting.reconciliation import CheckSkipped, Difference, register
from accounting.selectors import open_books_lines
from hub.enums import StructureKind
from hub.models import Structure
from hub.money import format_eur, quantize
from marketplace import receivables, stripe_gateway
from marketplace.enums import InvoiceKind, PaymentMethod, PaymentState, RefundState
from marketplace.models import Invoice, Order, OrderShare, PaymentAllocation, Refund, StripeTransfer

ZERO = Decimal("0.00")


def _names() -> dict[int, str]:
    return dict(Structure.objects.values_list("pk", "name"))


def _collective_id() -> int | None:
    return Structure.objects.filter(kind=StructureKind.COLLECTIVE).values_list("pk", flat=True).first()


def _eur(amount: Decimal | None) -> str:
    return format_eur(amount) if amount is not None else "—"


@register("invoices_posted", "Chaque facture et chaque avoir émis a son écriture de vente, du même montant")
def invoices_posted() -> list[Difference]:
    booked = {
        (structure_id, source_id): total
        for structure_id, source_id, total in Entry.objects.filter(source_kind="invoice", event="issued")
        .values("structure_id", "source_id")
        .annotate(total=Sum("lines__debit"))
        .values_list("structure_id", "source_id", "total")
    }
    names = _names()
    differences = []
    invoices = Invoice.objects.issued().values_list("pk", "structure_id", "number", "kind", "total_incl")
    for pk, structure_id, number, kind, total in invoices.order_by("structure_id", "number"):
        actual = booked.get((structure_id, str(pk)))
        if actual == total:
            continue
        what = _("L'avoir") if kind == InvoiceKind.CREDIT_NOTE else _("La facture")
        if actual is None:
            message = _("%(what)s %(number)s de %(total)s n'a pas d'écriture au journal des ventes.") % {
                "what": what,
                "number": number,
                "total": _eur(total),
            }
        else:
            message = _("%(what)s %(number)s est de %(total)s mais son écriture de vente porte %(booked)s.") % {
                "what": what,
                "number": number,
                "total": _eur(total),
                "booked": _eur(actual),
            }
        differences.append(
            Difference(
                check="invoices_posted",
                structure=names.get(structure_id, ""),
                reference=number,
                expected=total,
                actual=actual,
                message=message,
            )
        )
    return differences


def _order_lines():
    """Entry lines whose piece is an order's reference."""
    return EntryLine.objects.filter(entry__piece_ref__in=Order.objects.values("reference"))


def _held_by_collective(collective_id: int | None) -> dict[tuple[int, str], Decimal]:
    """{(seller id, order reference): what the Collectif's 467-<seller> still holds for it}."""
    if collective_id is None:
        return {}
    held: dict[tuple[int, str], Decimal] = {}
    rows = (
        _order_lines()
        .filter(entry__structure_id=collective_id, account__code__startswith=COUNTERPART_PREFIX)
        .values("account__code", "entry__piece_ref")
        .annotate(net=Sum(F("credit") - F("debit")))
        .values_list("account__code", "entry__piece_ref", "net")
    )
    for code, reference, net in rows:
        suffix = code[len(COUNTERPART_PREFIX) :]
        if suffix.isdigit():
            held[(int(suffix), reference)] = net
    return held


def _owed_to_collective(collective_id: int | None) -> dict[tuple[int, str], Decimal]:
    """{(seller id, order reference): what the seller's 467-<Collectif> owes back for the order}: money
    the Collectif paid out for the seller after the transfer (a dispute's funds withdrawn, a refund made
    in Stripe's dashboard), the mirror of the claim on the Collectif's 467-<seller>."""
    if collective_id is None:
        return {}
    rows = (
        _order_lines()
        .filter(account__code=f"{COUNTERPART_PREFIX}{collective_id:03d}")
        .exclude(entry__structure_id=collective_id)
        .values("entry__structure_id", "entry__piece_ref")
        .annotate(net=Sum(F("credit") - F("debit")))
        .values_list("entry__structure_id", "entry__piece_ref", "net")
    )
    return {(structure_id, reference): net for structure_id, reference, net in rows}


@register("shares_booked", "Ce que chaque vendeur a reçu pour une commande est ce que disent ses livres")
def shares_booked() -> list[Difference]:
    collective_id = _collective_id()
    books: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    receipts = (
        _order_lines()
        .filter(account__code="411")
        # A lost dispute's write-off closes the receivable (D 654 / C 411): nothing was received.
        .exclude(entry__source_kind="dispute", entry__event__startswith="lost-")
        .values("entry__structure_id", "entry__piece_ref")
        .annotate(net=Sum(F("credit") - F("debit")))
        .values_list("entry__structure_id", "entry__piece_ref", "net")
    )
    for structure_id, reference, net in receipts:
        books[(structure_id, reference)] += net
    for key, net in _held_by_collective(collective_id).items():
        books[key] += net
    for key, net in _owed_to_collective(collective_id).items():  # a claim is not money held for the seller
        books[key] += net
    shares = {
        (seller_id, reference): received - refunded - disputed
        for seller_id, reference, received, refunded, disputed in OrderShare.objects.values_list(
            "seller_id", "order__reference", "received", "refunded", "disputed"
        )
    }
    pending = (
        Refund.objects.filter(state=RefundState.PENDING)
        .values("structure_id", "order__reference")
        .annotate(total=Sum("amount"))
        .values_list("structure_id", "order__reference", "total")
    )
    for seller_id, reference, total in pending:
        if (seller_id, reference) in shares:
            shares[(seller_id, reference)] += total
    credits = (
        PaymentAllocation.objects.filter(payment__method=PaymentMethod.CREDIT, payment__state=PaymentState.SUCCEEDED)
        .values("share__seller_id", "share__order__reference")
        .annotate(total=Sum("amount"))
        .values_list("share__seller_id", "share__order__reference", "total")
    )
    for seller_id, reference, total in credits:
        if (seller_id, reference) in shares:
            shares[(seller_id, reference)] -= total
    names = _names()
    differences = []
    for seller_id, reference in sorted(set(shares) | {key for key, net in books.items() if net}):
        expected = shares.get((seller_id, reference), ZERO)
        actual = books.get((seller_id, reference), ZERO)
        if expected == actual:
            continue
        differences.append(
            Difference(
                check="shares_booked",
                structure=names.get(seller_id, ""),
                reference=reference,
                expected=expected,
                actual=actual,
                message=_(
                    "Commande %(reference)s : la part de %(structure)s a reçu %(expected)s, "
                    "les livres en comptent %(actual)s."
                )
                % {
                    "reference": reference,
                    "structure": names.get(seller_id, "?"),
                    "expected": _eur(expected),
                    "actual": _eur(actual),
                },
            )
        )
    return differences


@register("counterparts_settled", "Le compte 467 de chaque vendeur est soldé pour chaque commande transférée")
def counterparts_settled() -> list[Difference]:
    collective_id = _collective_id()
    held = _held_by_collective(collective_id)
    # What the Collectif paid out for a seller after the transfer is a claim, the mirror of the seller's debt.
    owed = _owed_to_collective(collective_id)
    names = _names()
    collective = names.get(collective_id, "")
    differences = []
    transferred = StripeTransfer.objects.values_list("structure_id", "order__reference").distinct()
    for seller_id, reference in sorted(transferred):
        actual = held.get((seller_id, reference), ZERO) + owed.get((seller_id, reference), ZERO)
        if actual == ZERO:
            continue
        differences.append(
            Difference(
                check="counterparts_settled",
                structure=collective,
                reference=reference,
                expected=ZERO,
                actual=actual,
                message=_(
                    "Commande %(reference)s transférée : le compte %(account)s de %(structure)s "
                    "garde un solde de %(actual)s au lieu d'être soldé."
                )
                % {
                    "reference": reference,
                    "account": f"{COUNTERPART_PREFIX}{seller_id:03d}",
                    "structure": names.get(seller_id, "?"),
                    "actual": _eur(actual),
                },
            )
        )
    return differences


def clearing_accounts() -> list[str]:
    """The Stripe clearing accounts of every chart: cards, and SEPA debits kept apart (both are money
    Stripe holds: one balance at Stripe)."""
    return [stripe_clearing_account()[0], stripe_sepa_clearing_account()[0]]


def books_stripe_balances() -> dict[int, Decimal]:
    """{structure id: debit − credit of its Stripe clearing accounts}: what the books say Stripe holds."""
    return dict(
        open_books_lines()
        .filter(account__code__in=clearing_accounts())
        .values("entry__structure_id")
        .annotate(balance=Sum(F("debit") - F("credit")))
        .values_list("entry__structure_id", "balance")
    )


@register(
    "stripe_balance",
    "Les comptes d'attente Stripe (carte et SEPA) de chaque structure égalent le solde que Stripe annonce",
)
def stripe_balance() -> list[Difference]:
    if not stripe_gateway.is_configured():
        raise CheckSkipped(_("Stripe n'est pas configuré."))
    clearing = " + ".join(clearing_accounts())
    collective_id = _collective_id()
    structures = list(
        Structure.objects.exclude(stripe_account_id="").values_list("pk", "name", "stripe_account_id").order_by("pk")
    )
    if collective_id is not None:
        # The Collectif is the platform: its balance is the platform account's, whatever its own id.
        structures = [row for row in structures if row[0] != collective_id]
        structures.insert(0, (collective_id, _names()[collective_id], None))
    books = books_stripe_balances()
    differences = []
    for pk, name, account in structures:
        # No row lock is held here: one GET per account.
        expected = stripe_gateway.retrieve_balance(account=account)
        actual = books.get(pk, ZERO)
        if expected == actual:
            continue
        differences.append(
            Difference(
                check="stripe_balance",
                structure=name,
                reference=f"{clearing} Stripe{f' {account}' if account else ''}",
                expected=expected,
                actual=actual,
                message=_(
                    "Le solde Stripe de %(structure)s est de %(expected)s, ses comptes %(account)s portent %(actual)s."
                )
                % {"structure": name, "expected": _eur(expected), "account": clearing, "actual": _eur(actual)},
            )
        )
    return differences


@register("receivables_match_ledger", "Le solde âgé des créances de chaque client égale son compte 411")
def receivables_match_ledger() -> list[Difference]:
    """What the aged balance says each customer owes (from the invoices and the settlement shares) is its
    411 sub-account's balance in the seller's books."""
    ledger: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for structure_id, code, balance in (
        open_books_lines()
        .filter(account__code="411")
        .values("entry__structure_id", "auxiliary_code")
        .annotate(balance=Sum(F("debit") - F("credit")))
        .values_list("entry__structure_id", "auxiliary_code", "balance")
    ):
        ledger[(structure_id, code)] += quantize(balance)  # SQLite sums decimals as floats
    sellers = Structure.objects.filter(pk__in=Invoice.objects.issued().values("structure_id")).order_by("pk")
    differences = []
    for structure in sellers:
        aged = {customer.code: customer for customer in receivables.aged_balance(structure).customers}
        codes = set(aged) | {
            code for (structure_id, code), net in ledger.items() if structure_id == structure.pk and net
        }
        for code in sorted(codes):
            expected = aged[code].total if code in aged else ZERO
            actual = ledger.get((structure.pk, code), ZERO)
            if expected == actual:
                continue
            differences.append(
                Difference(
                    check="receivables_match_ledger",
                    structure=structure.name,
                    reference=f"411 {code}",
                    expected=expected,
                    actual=actual,
                    message=_(
                        "Client %(code)s de %(structure)s : les factures ouvertes font %(expected)s, "
                        "son compte 411 %(actual)s."
                    )
                    % {"code": code, "structure": structure.name, "expected": _eur(expected), "actual": _eur(actual)},
                )
            )
    return differences
