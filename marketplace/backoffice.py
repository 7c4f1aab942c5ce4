"""The structures' pages for the pickup day: orders to prepare, handover, cheques, cash-up."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub.formatting import euros
from hub.models import Site, Structure
from hub.params import date_param
from marketplace import perms
from marketplace.actions.cart import parse_quantity
from marketplace.actions.payments import (
    create_deposit_slip,
    mark_collected,
    record_final_quantity,
    record_offline_payment,
)
from marketplace.actions.refunds import refund_order, refundable_amount
from marketplace.actions.stripe_events import credit_dashboard_refund
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentState, PaymentStatus
from marketplace.exceptions import MarketplaceError
from marketplace.forms import OfflinePaymentForm
from marketplace.models import (
    DepositSlip,
    Order,
    OrderLine,
    OrderShare,
    Payment,
    Refund,
    StripeDispute,
    StripeEvent,
)
from services.enums import OfferingKind


def _structure_ids(ids: set[int]) -> set[int]:
    """The structures whose page this is; none is a 404 (the back-office is not theirs)."""
    if not ids:
        raise Http404
    return ids


def _day(request: HttpRequest) -> datetime.date:
    return date_param(request, "jour", default=timezone.localdate())


@login_required
def pickup_day(request: HttpRequest) -> HttpResponse:
    """Confirmed orders waiting at each pickup point, with what each structure must prepare."""
    mine = _structure_ids(perms.structures_handling_orders(request.user))
    points = list(Site.objects.pickup_points().order_by("name"))
    point = next((p for p in points if p.slug == request.GET.get("point")), points[0] if points else None)
    # My lines whose part is not handed over yet (a mixed order is handed over seller by seller).
    handed_over = OrderShare.objects.filter(
        order=OuterRef("order_id"), seller=OuterRef("seller_id"), handed_over_at__isnull=False
    )
    to_hand_over = OrderLine.objects.filter(order=OuterRef("pk"), seller_id__in=mine).exclude(Exists(handed_over))
    orders = (
        Order.objects.filter(Exists(to_hand_over), fulfilment_status=FulfilmentStatus.CONFIRMED, pickup_point=point)
        .select_related("customer", "organisation")
        .prefetch_related(
            # Each seller's staff see their own lines only (ADR 0012).
            Prefetch(
                "lines",
                queryset=OrderLine.objects.filter(seller_id__in=mine)
                .select_related("seller")
                .order_by("seller_id", "pk"),
            )
        )
        # Those to hand over first come first: by the collection date the customer was given (ADR 0015).
        .order_by(F("pickup_starts_at").asc(nulls_last=True), "placed_at")
    )
    orders = list(orders)
    to_prepare: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for order in orders:
        for line in order.lines.all():
            to_prepare[(line.seller.name, line.name)] += line.quantity
    context = {
        "points": points,
        "point": point,
        "orders": orders,
        "to_prepare": sorted(to_prepare.items()),
        "mine": mine,
    }
    return render(request, "marketplace/backoffice/pickup_day.html", context)


def _staff_order(request: HttpRequest, reference: str) -> tuple[Order, set[int]]:
    """The order as this person's structures see it: `order.lines` holds their lines only (ADR 0012)."""
    mine = _structure_ids(perms.structures_handling_orders(request.user))
    order = (
        Order.objects.filter(reference=reference, lines__seller_id__in=mine)
        .distinct()
        .select_related("customer", "organisation", "pickup_point")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.filter(seller_id__in=mine).select_related(
                    "seller", "offering", "invoice_line__invoice"
                ),
            ),
            Prefetch("payments", queryset=Payment.objects.select_related("received_by").order_by("created_at")),
        )
        .first()
    )
    if order is None:
        raise Http404
    return order, mine


@login_required
def handover(request: HttpRequest, reference: str) -> HttpResponse:
    order, mine = _staff_order(request, reference)
    shares = [
        {
            "structure": share.seller,
            "due": share.owed,
            "paid": share.paid,
            "rest": share.due,
            "mine": share.seller_id in mine,
            "form": OfflinePaymentForm(
                initial={
                    "structure": share.seller_id,
                    "amount": max(share.due, Decimal("0")),
                    "method": order.payment_method
                    if order.payment_method in PaymentMethod.pay_later()
                    else PaymentMethod.CASH,
                },
                prefix=f"s{share.seller_id}",
            ),
        }
        for share in order.shares.filter(seller_id__in=mine).select_related("seller").order_by("seller__position")
    ]
    refundable = order.payment_status in {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}
    managed = perms.structures_refunding(request.user)
    lines = list(order.lines.all())
    sellers = set(order.shares.values_list("seller_id", flat=True))
    handed_over = order.handed_over_seller_ids()
    context = {
        "order": order,
        "lines": lines,
        "my_total": sum((line.total_incl for line in lines), Decimal("0")),
        "shares": shares,
        "mine": mine,
        # A mixed order: the other sellers' lines, totals and payments are theirs (ADR 0012).
        "sees_all": sellers <= mine,
        "my_part_handed_over": bool(sellers & mine) and sellers & mine <= handed_over,
        # The address only for a seller who goes to the customer (home services); the contact for all.
        "shows_address": any(line.offering.kind == OfferingKind.HOME_SERVICE for line in lines),
        # Money Stripe moved after the payment, that staff must see: disputes, credit notes to issue.
        "disputes": list(order.disputes.order_by("created_at")),
        "credit_notes_needed": [
            {
                "refund": refund,
                "lines": [line for line in order.lines.all() if line.seller_id == refund.structure_id]
                if refund.structure_id in managed
                else [],
            }
            for refund in order.refunds.filter(credit_note_needed=True, structure_id__in=mine).select_related(
                "structure"
            )
        ],
        "can_collect": order.fulfilment_status == FulfilmentStatus.CONFIRMED and not (sellers & mine <= handed_over),
        "refund_lines": [line for line in lines if refundable and line.seller_id in managed],
    }
    return render(request, "marketplace/backoffice/handover.html", context)


@login_required
@require_POST
def handover_payment(request: HttpRequest, reference: str) -> HttpResponse:
    order, mine = _staff_order(request, reference)
    structure_id = request.POST.get("structure_id", "")
    structure = get_object_or_404(Structure, pk=structure_id if structure_id.isdigit() else 0, pk__in=mine)
    form = OfflinePaymentForm(request.POST, prefix=f"s{structure.pk}")
    if not form.is_valid():
        messages.error(request, _("Paiement non enregistré : vérifiez le montant et le moyen."))
        return redirect("marketplace:handover", order.reference)
    data = form.cleaned_data
    try:
        record_offline_payment(
            order=order,
            structure=structure,
            method=data["method"],
            amount=data["amount"],
            by=request.user,
            site=order.pickup_point,
            cheque_number=data["cheque_number"],
            cheque_bank=data["cheque_bank"],
            cheque_drawer=data["cheque_drawer"],
        )
    except MarketplaceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Paiement de %(amount)s enregistré pour %(structure)s.")
            % {"amount": euros(data["amount"]), "structure": structure.name},
        )
    return redirect("marketplace:handover", order.reference)


@login_required
@require_POST
def handover_collect(request: HttpRequest, reference: str) -> HttpResponse:
    order, _mine = _staff_order(request, reference)
    try:
        mark_collected(order=order, by=request.user)
    except MarketplaceError as error:
        messages.error(request, error.message)
    else:
        if order.fulfilment_status == FulfilmentStatus.CONFIRMED:
            messages.success(
                request,
                _("Votre part de la commande %(reference)s est remise ; les autres structures remettent la leur.")
                % {"reference": order.reference},
            )
        else:
            messages.success(request, _("Commande %(reference)s remise.") % {"reference": order.reference})
    return redirect("marketplace:handover", order.reference)


@login_required
@require_POST
def handover_weigh(request: HttpRequest, reference: str, line_id: int) -> HttpResponse:
    order, mine = _staff_order(request, reference)
    line = get_object_or_404(
        OrderLine.objects.select_related("offering", "seller"), pk=line_id, order=order, seller_id__in=mine
    )
    try:
        quantity = parse_quantity(request.POST.get("final_quantity", ""), offering=line.offering)
        record_final_quantity(line=line, quantity=quantity, by=request.user)
    except MarketplaceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("« %(name)s » pesé : la facture est émise.") % {"name": line.name})
    return redirect("marketplace:handover", order.reference)


@login_required
def staff_orders(request: HttpRequest) -> HttpResponse:
    """Every order that holds lines of my structures, newest first, filterable, 50 a page."""
    mine = _structure_ids(perms.structures_with_takings(request.user))
    orders = (
        Order.objects.filter(pk__in=OrderLine.objects.filter(seller_id__in=mine).values("order_id"))
        .select_related("organisation", "pickup_point")
        # What my structures sold in it, not the other sellers' part of a mixed order (ADR 0012).
        .annotate(my_total=Sum("lines__total_incl", filter=Q(lines__seller_id__in=mine)))
        .order_by("-placed_at", "-pk")
    )
    status = request.GET.get("etat", "")
    if status in FulfilmentStatus.values:
        orders = orders.filter(fulfilment_status=status)
    payment = request.GET.get("paiement", "")
    if payment in PaymentStatus.values:
        orders = orders.filter(payment_status=payment)
    text = request.GET.get("q", "").strip()
    if text:
        orders = orders.filter(Q(reference__icontains=text) | Q(billing_name__icontains=text))
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "status": status,
        "payment": payment,
        "text": text,
        "statuses": FulfilmentStatus.choices,
        "payments": PaymentStatus.choices,
    }
    return render(request, "marketplace/backoffice/orders.html", context)


def _line_amounts(request: HttpRequest, order, *, prefix: str) -> dict[int, Decimal] | None:
    """{line id: amount} typed in `<prefix>-<line id>` fields (empty ones left out); None, with the French
    message shown, when one is not an amount."""
    amounts = {}
    for line in order.lines.all():
        raw = request.POST.get(f"{prefix}-{line.pk}", "").strip().replace(",", ".")
        if raw:
            try:
                amount = Decimal(raw)
            except ArithmeticError:
                amount = None
            if amount is None or not amount.is_finite() or not Decimal("0") <= amount <= Decimal("1000000"):
                messages.error(request, _("« %(value)s » n'est pas un montant.") % {"value": raw[:20]})
                return None
            amounts[line.pk] = amount
    return amounts


@login_required
@require_POST
def handover_refund(request: HttpRequest, reference: str) -> HttpResponse:
    """A manager refunds lines of their structure (or the whole order when they manage every seller)."""
    order, _mine = _staff_order(request, reference)
    amounts = _line_amounts(request, order, prefix="refund")
    if amounts is None:
        return redirect("marketplace:handover", order.reference)
    if not amounts:  # « tout ce qui reste »: of the lines this manager refunds, not the other sellers'
        managed = perms.structures_refunding(request.user)
        amounts = {
            line.pk: refundable_amount(line)
            for line in order.lines.all()
            if line.seller_id in managed and refundable_amount(line) > 0
        }
        if not amounts:
            messages.error(request, _("Il ne reste rien à rembourser sur vos articles."))
            return redirect("marketplace:handover", order.reference)
    managed = perms.structures_refunding(request.user)
    if any(line.seller_id not in managed for line in order.lines.all() if line.pk in amounts):
        messages.error(request, _("Seule la direction de la structure qui a vendu peut rembourser ses ventes."))
        return redirect("marketplace:handover", order.reference)
    if request.POST.get("confirm") != "1":
        # Nothing moves before the manager has read the amount and how it goes back, and confirmed.
        return _refund_confirmation(request, order, amounts)
    try:
        refund_order(
            order=order,
            by=request.user,
            amounts=amounts,
            reason=request.POST.get("reason", "")[:200],
        )
    except MarketplaceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Remboursement enregistré ; l'avoir est émis."))
    return redirect("marketplace:handover", order.reference)


def _refund_confirmation(request: HttpRequest, order, amounts: dict[int, Decimal]) -> HttpResponse:
    lines = {line.pk: line for line in order.lines.all()}
    rows = [(lines[pk], amount) for pk, amount in amounts.items() if pk in lines]
    context = {
        "order": order,
        "rows": rows,
        "total": sum((amount for _line, amount in rows), Decimal("0")),
        "by_card": order.payment_method == PaymentMethod.CARD,
        "reason": request.POST.get("reason", "")[:200],
    }
    return render(request, "marketplace/backoffice/refund_confirm.html", context)


@login_required
@require_POST
def handover_credit_note(request: HttpRequest, reference: str, refund_id: int) -> HttpResponse:
    """A manager ties a refund made in Stripe's dashboard to its lines: the credit note is issued."""
    order, _mine = _staff_order(request, reference)
    refund = get_object_or_404(Refund, pk=refund_id, order=order)
    amounts = _line_amounts(request, order, prefix="credit")
    if amounts is None:
        return redirect("marketplace:handover", order.reference)
    try:
        credit_dashboard_refund(refund=refund, amounts=amounts, by=request.user)
    except MarketplaceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("L'avoir est émis."))
    return redirect("marketplace:handover", order.reference)


@login_required
def cheques(request: HttpRequest) -> HttpResponse:
    """Cheques received and not yet taken to the bank, per structure, and the slips already made."""
    mine = _structure_ids(perms.structures_with_takings(request.user))
    pending = (
        Payment.objects.filter(
            method=PaymentMethod.CHEQUE,
            state=PaymentState.SUCCEEDED,
            deposit_slip__isnull=True,
            received_by_id__in=mine,
        )
        .select_related("received_by", "order")
        .order_by("received_by__position", "created_at")
    )
    by_structure: dict[Structure, list[Payment]] = defaultdict(list)
    for cheque in pending:
        by_structure[cheque.received_by].append(cheque)
    slips = DepositSlip.objects.filter(structure_id__in=mine).select_related("structure").order_by("-created_at")[:30]
    return render(request, "marketplace/backoffice/cheques.html", {"by_structure": dict(by_structure), "slips": slips})


@login_required
@require_POST
def deposit_slip_create(request: HttpRequest) -> HttpResponse:
    mine = _structure_ids(perms.structures_with_takings(request.user))
    structure_id = request.POST.get("structure_id", "")
    structure = get_object_or_404(Structure, pk=structure_id if structure_id.isdigit() else 0, pk__in=mine)
    ids = [int(pk) for pk in request.POST.getlist("cheque") if pk.isdigit()]
    try:
        slip = create_deposit_slip(
            structure=structure, payments=list(Payment.objects.filter(pk__in=ids)), by=request.user
        )
    except MarketplaceError as error:
        messages.error(request, error.message)
        return redirect("marketplace:cheques")
    return redirect("marketplace:deposit_slip", slip.pk)


@login_required
def deposit_slip(request: HttpRequest, pk: int) -> HttpResponse:
    mine = _structure_ids(perms.structures_with_takings(request.user))
    slip = get_object_or_404(
        DepositSlip.objects.select_related("structure", "created_by"), pk=pk, structure_id__in=mine
    )
    cheques = slip.cheques.select_related("order").order_by("pk")
    return render(request, "marketplace/backoffice/deposit_slip.html", {"slip": slip, "cheques": cheques})


@login_required
def cash_up(request: HttpRequest) -> HttpResponse:
    """The day's cash and cheques at one site, per structure: what the till and the envelope must hold."""
    mine = _structure_ids(perms.structures_with_takings(request.user))
    day = _day(request)
    sites = list(Site.objects.pickup_points().order_by("name"))
    site = next((s for s in sites if s.slug == request.GET.get("point")), sites[0] if sites else None)
    payments = (
        Payment.objects.filter(
            state=PaymentState.SUCCEEDED,
            method__in=[PaymentMethod.CASH, PaymentMethod.CHEQUE, PaymentMethod.CESU],
            site=site,
            succeeded_at__date=day,
            received_by_id__in=mine,
        )
        .select_related("received_by", "order", "recorded_by")
        .order_by("received_by__position", "method", "succeeded_at")
    )
    totals = (
        Payment.objects.filter(pk__in=payments.values("pk"))
        .values("received_by__name", "method")
        .annotate(total=Sum("amount"))
        .order_by("received_by__name", "method")
    )
    labels = dict(PaymentMethod.choices)
    rows = [{"structure": t["received_by__name"], "method": labels[t["method"]], "total": t["total"]} for t in totals]
    context = {"sites": sites, "site": site, "day": day, "payments": payments, "rows": rows,
               "grand_total": sum((r["total"] for r in rows), Decimal("0"))}  # fmt: skip
    return render(request, "marketplace/backoffice/cash_up.html", context)


@login_required
def stripe_events(request: HttpRequest) -> HttpResponse:
    """« Événements Stripe »: what Stripe reported that the platform does not act on, disputes, failed
    payouts and dashboard refunds awaiting their credit note — nothing Stripe says goes unseen."""
    if not perms.can_view_stripe_events(request.user):
        raise Http404
    context = {
        "not_handled": StripeEvent.objects.not_handled().order_by("-received_at")[:100],
        "failed_payouts": StripeEvent.objects.filter(type="payout.failed").order_by("-received_at")[:50],
        "disputes": StripeDispute.objects.select_related("order").order_by("-created_at")[:100],
        "credit_notes_needed": Refund.objects.filter(credit_note_needed=True)
        .select_related("order", "structure")
        .order_by("-created_at")[:100],
    }
    return render(request, "marketplace/backoffice/stripe_events.html", context)
