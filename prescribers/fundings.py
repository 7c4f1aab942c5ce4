"""Third-party payment by prescribers (ADR 0034): fundings, budgets, and the cover provider marketplace asks.

A funding (« prise en charge ») says that the support's organisation pays a share of each unit the person
buys of some kinds (baskets, transport, laundry, training), within a monthly cap for this person if set,
and within the organisation's budget for the year. Marketplace asks `FundingCover.propose` when an order is
placed for the person; the budget row is locked in the order's transaction, so two orders never both spend
its last euros. What was taken is kept as `FundedLine`s; marketplace bills the organisation monthly.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import money
from hub import perms as hub_perms
from hub.enums import OrganisationRole
from hub.models import Organisation
from marketplace.covers import CoverItem, CoverShare
from marketplace.enums import FulfilmentStatus
from prescribers import perms
from prescribers.enums import FUNDABLE_KINDS, SupportEventKind
from prescribers.exceptions import SupportError
from prescribers.models import MAX_BUDGET, Budget, FundedLine, Funding, Support, SupportEvent
from services.enums import OfferingKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_CAP = Decimal("10000")


def _spent():
    """A funded line's amount: what its payer was billed once billed (final quantities), less what was credited
    back to it since, else what was taken."""
    return Coalesce(
        F("order_line__third_party_billed_line__total_incl")
        - F("order_line__third_party_billed_line__refunded_amount"),
        "amount",
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def counted_lines():
    """Funded lines that count: all but those of an order cancelled, or a line wholly refunded to the person,
    before its share was billed (`marketplace.actions.third_party` does not bill them)."""
    unbilled = FundedLine.objects.filter(order_line__third_party_billed_line__isnull=True)
    dropped = unbilled.filter(
        Q(order__fulfilment_status=FulfilmentStatus.CANCELLED)
        | Q(order_line__total_incl__gt=0, order_line__refunded_amount__gte=F("order_line__total_incl"))
    )
    return FundedLine.objects.exclude(pk__in=dropped.values("pk"))


def consumed(*, organisation_id: int, year: int) -> Decimal:
    total = counted_lines().filter(organisation_id=organisation_id, month__year=year).aggregate(total=Sum(_spent()))
    return total["total"] or ZERO


def consumed_this_month(*, support_id: int, month: datetime.date) -> Decimal:
    """Taken for the person this month under any of the support's fundings (they share the monthly cap)."""
    total = counted_lines().filter(funding__support_id=support_id, month=month).aggregate(total=Sum(_spent()))
    return total["total"] or ZERO


def _floor_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_DOWN)


class FundingCover:
    """The provider registered with `marketplace.covers` (see the module's docstring)."""

    def propose(self, *, customer, items: list[CoverItem], at: datetime.datetime, preview: bool):
        day = timezone.localdate(at)
        kinds = {item.offering.kind for item in items}
        fundings = [
            funding
            for funding in Funding.objects.running_on(day)
            .filter(support__person=customer)
            .select_related("support__organisation")
            .order_by("pk")
            if any(funding.covers(kind) for kind in kinds)
        ]
        if not fundings:
            return None
        month = day.replace(day=1)
        shares: list[CoverShare | None] = [None] * len(items)
        for funding in fundings:
            organisation = funding.support.organisation
            budgets = Budget.objects.filter(organisation=organisation, year=day.year)
            if not preview:
                budgets = budgets.select_for_update(of=("self",))
            budget = budgets.first()
            if budget is None:
                continue  # no budget set for the year: the organisation pays nothing yet
            left = budget.amount - consumed(organisation_id=organisation.pk, year=day.year)
            if funding.monthly_cap is not None:
                left = min(left, funding.monthly_cap - consumed_this_month(support_id=funding.support_id, month=month))
            for index, item in enumerate(items):
                if shares[index] is not None or not funding.covers(item.offering.kind) or left <= 0:
                    continue
                unit = money.quantize(item.unit_price * funding.share_percent / 100)
                if money.line_total(unit, item.quantity) > left:
                    unit = _floor_cents(left / item.quantity)
                    while unit > 0 and money.line_total(unit, item.quantity) > left:
                        unit -= CENT
                unit = min(unit, item.unit_price)
                if unit <= 0:
                    continue
                shares[index] = CoverShare(payer=organisation, unit_price=unit, key=funding.pk)
                left -= money.line_total(unit, item.quantity)
        return shares

    def record(self, *, shares: list[CoverShare | None], lines: list) -> None:
        rows = []
        for share, line in zip(shares, lines, strict=True):
            if share is None:
                continue
            rows.append(
                FundedLine(
                    funding_id=share.key,
                    organisation=share.payer,
                    order_line=line,
                    order_id=line.order_id,
                    month=timezone.localdate(line.order.placed_at).replace(day=1),
                    amount=money.line_total(share.unit_price, line.quantity),
                )
            )
        FundedLine.objects.bulk_create(rows)


# --- The social workers' actions ------------------------------------------------------------------------


def can_set_budget(user, organisation: Organisation) -> bool:
    """The heads of service (the organisation's admins) set its budget."""
    return bool(organisation.prescriber_kind) and hub_perms.prescriber_roles(user).get(organisation.pk) == (
        OrganisationRole.ADMIN
    )


@transaction.atomic
def set_budget(*, organisation: Organisation, year: int, amount: Decimal, by) -> Budget:
    if not can_set_budget(by, organisation):
        raise SupportError(_("Seul·e un·e responsable de l'organisation fixe son budget."))
    today = timezone.localdate()
    if year not in (today.year, today.year + 1):
        raise SupportError(_("Le budget se fixe pour l'année en cours ou la suivante."))
    if amount is None or not (ZERO <= amount <= MAX_BUDGET) or amount != money.quantize(amount):
        raise SupportError(_("Le budget est un montant en euros entre 0 et 10 000 000."))
    budget = Budget.objects.select_for_update(of=("self",)).filter(organisation=organisation, year=year).first()
    spent = consumed(organisation_id=organisation.pk, year=year)
    if amount < spent:
        raise SupportError(
            _("Le budget ne peut pas être inférieur à ce qui est déjà pris en charge (%(spent)s).")
            % {"spent": money.format_eur(spent)}
        )
    if budget is None:
        return Budget.objects.create(organisation=organisation, year=year, amount=amount, set_by=by)
    budget.amount, budget.set_by = amount, by
    budget.save(update_fields=["amount", "set_by", "updated_at"])
    return budget


def describe(funding: Funding) -> str:
    kinds = ", ".join(str(OfferingKind(kind).label).lower() for kind in funding.kinds if kind in OfferingKind.values)
    text = _("%(share)s %% de %(kinds)s") % {"share": funding.share_percent, "kinds": kinds}
    if funding.monthly_cap is not None:
        text += _(", %(cap)s par mois au plus") % {"cap": money.format_eur(funding.monthly_cap)}
    return text


@transaction.atomic
def set_funding(
    *,
    support: Support,
    by,
    share_percent: int,
    kinds: list[str],
    ends_on: datetime.date,
    monthly_cap: Decimal | None = None,
) -> Funding:
    """A social worker sets what the organisation pays for the person from today (the running funding, if
    any, stops today)."""
    support = Support.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=support.pk)
    if not perms.can_view_support(by, support) or support.closed_at is not None:
        raise SupportError(_("Seul·e un·e travailleur·se social·e de l'organisation, sur un accompagnement en cours."))
    if not isinstance(share_percent, int) or not 1 <= share_percent <= 100:
        raise SupportError(_("La part prise en charge est comprise entre 1 et 100 %."))
    kinds = sorted(set(kinds or []))
    if not kinds or any(kind not in FUNDABLE_KINDS for kind in kinds):
        raise SupportError(_("Choisissez au moins une activité prise en charge."))
    if monthly_cap is not None and (not CENT <= monthly_cap <= MAX_CAP or monthly_cap != money.quantize(monthly_cap)):
        raise SupportError(_("Le plafond mensuel est compris entre 0,01 et 10 000 €."))
    today = timezone.localdate()
    if ends_on < today or ends_on > support.ends_on:
        raise SupportError(
            _("La fin de la prise en charge est comprise entre aujourd'hui et la fin de l'accompagnement (%(end)s).")
            % {"end": support.ends_on.strftime("%d/%m/%Y")}
        )
    now = timezone.now()
    Funding.objects.filter(support=support, ended_at__isnull=True).update(ended_at=now)
    funding = Funding.objects.create(
        support=support,
        share_percent=share_percent,
        monthly_cap=monthly_cap,
        kinds=kinds,
        starts_on=today,
        ends_on=ends_on,
        created_by=by,
    )
    SupportEvent.objects.create(
        support=support, kind=SupportEventKind.FUNDING_SET, by=by, at=now, note=describe(funding)[:200]
    )
    return funding


@transaction.atomic
def end_funding(*, funding: Funding, by) -> Funding:
    funding = Funding.objects.select_for_update(of=("self",)).select_related("support").get(pk=funding.pk)
    if not perms.can_view_support(by, funding.support):
        raise SupportError(_("Seul·e un·e travailleur·se social·e de l'organisation peut arrêter la prise en charge."))
    if funding.ended_at is not None:
        raise SupportError(_("Cette prise en charge est déjà arrêtée."))
    now = timezone.now()
    funding.ended_at = now
    funding.save(update_fields=["ended_at"])
    SupportEvent.objects.create(support=funding.support, kind=SupportEventKind.FUNDING_ENDED, by=by, at=now)
    return funding


# --- What the prescriber sees of its budget --------------------------------------------------------------


@dataclass
class BudgetView:
    organisation: Organisation
    year: int
    amount: Decimal | None
    consumed: Decimal = ZERO
    billed: Decimal = ZERO
    months: list[tuple[datetime.date, Decimal]] = field(default_factory=list)
    people: list[tuple[Support, Decimal]] = field(default_factory=list)
    withdrawn: Decimal = ZERO  # taken for people who withdrew their consent since: a total, no names
    can_edit: bool = False

    @property
    def left(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.consumed

    @property
    def pending(self) -> Decimal:
        return self.consumed - self.billed


def budget_view(*, organisation: Organisation, year: int, user) -> BudgetView:
    """The year's budget of one organisation: set, consumed, left, month by month and person by person (5 queries)."""
    budget = Budget.objects.filter(organisation=organisation, year=year).first()
    lines = counted_lines().filter(organisation=organisation, month__year=year)
    view = BudgetView(
        organisation=organisation, year=year, amount=budget.amount if budget else None,
        can_edit=can_set_budget(user, organisation),
    )  # fmt: skip
    view.months = [
        (row["month"], row["total"]) for row in lines.values("month").annotate(total=Sum(_spent())).order_by("month")
    ]
    view.consumed = sum((total for _month, total in view.months), ZERO)
    view.billed = lines.filter(order_line__third_party_billed_line__isnull=False).aggregate(
        total=Sum(_spent())
    )["total"] or ZERO  # fmt: skip
    per_support = dict(
        lines.values("funding__support").annotate(total=Sum(_spent())).values_list("funding__support", "total")
    )
    supports = (
        Support.objects.filter(pk__in=per_support)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    for support in supports:
        if support.consent_withdrawn_at is not None:
            view.withdrawn += per_support[support.pk]
        else:
            view.people.append((support, per_support[support.pk]))
    return view
