"""The AI's 2025 in the demo: the year before the immediate advance, two clients' home services paid the
usual ways, then their 2025 tax certificates (issued on 5 January 2026, as the beat does).

- Madeleine Perrot, 84, weekly housework (Tuesdays, 2 h): the Département's APA pays 60 % of each
  month directly to the AI, she pays the rest by cheque — more than `DETAILED_UP_TO` visits, so
  her certificate sums them up month by month and worker.
- Odette Lemaire, from May, every other Thursday (3 h): part of each month in CESU préfinancés (her
  pension fund's), the rest by cheque — her certificate lists each visit.

Each month is invoiced on its last day and paid ten days later (the cheques deposited three days after), so December's invoice is paid in
January 2026 and counts on the 2026 certificate (the year of payment). Two workers of the AI, whose
insertion contracts ended in 2025 (validated timesheets kept), made the visits.

`seed_orders` runs with the sap demo (its payments are posted in Pôle Services' 2025, before the
accounting demo closes that year in its `seed_demo_last`); `seed_visits` in the sap demo's
`seed_demo_last`, once the insertion demo has made the AI's teams.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, Slot
from hub.models import Structure
from insertion.actions import create_contract, record_exit
from insertion.enums import ContractKind, ExitReason, JobSourceKind, JobStatus
from insertion.models import Approval, Assignment, Job, Team, TimesheetEntry, Worker
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.actions.invoicing import issue_order_invoices
from marketplace.actions.payments import create_deposit_slip, record_final_quantity, record_offline_payment
from marketplace.enums import PaymentMethod
from marketplace.models import Order
from sap.actions import issue_tax_certificates
from sap.models import AdvanceClient, TaxCertificate
from services.models import Offering

YEAR = 2025
CENT = Decimal("0.01")
# email → (weekday, start hour, hours per visit, first month, every n weeks, how the month is paid)
CLIENTS = {
    "avance.active@demo.pole.test": (1, 9, Decimal("2"), 1, 1, (PaymentMethod.APA_PCH, Decimal("0.60"))),
    "avance.contestee@demo.pole.test": (3, 14, Decimal("3"), 5, 2, (PaymentMethod.CESU, Decimal("60.00"))),
}
# The AI's workers of 2025: name, contract, the clients' visits they made (by the visit's month), where they
# went on leaving (their exit).
WORKERS = (
    ("Nadia", "Girard", datetime.date(2024, 11, 4), datetime.date(2025, 10, 31), range(1, 11), ExitReason.CDI),
    ("Karim", "Haddad", datetime.date(2025, 3, 3), datetime.date(2025, 12, 31), range(3, 13), ExitReason.TRAINING),
)


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def _visits(email: str) -> dict[int, list[datetime.date]]:
    """{month: the visit days of the client in 2025}."""
    weekday, _hour, _hours, first_month, every, _paid = CLIENTS[email]
    day = datetime.date(YEAR, first_month, 1)
    day += datetime.timedelta(days=(weekday - day.weekday()) % 7)
    visits: dict[int, list[datetime.date]] = {}
    while day.year == YEAR:
        visits.setdefault(day.month, []).append(day)
        day += datetime.timedelta(weeks=every)
    return visits


def _month_end(month: int) -> datetime.date:
    return datetime.date(YEAR + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def seed_orders(provider: Structure, housework: Offering, staff) -> int:
    """Each client's month as one order, invoiced on the month's last day and paid ten days later."""
    planned = []
    for email in CLIENTS:
        client = AdvanceClient.objects.select_related("customer").get(structure=provider, customer__email=email)
        planned += [(month, email, client, days) for month, days in _visits(email).items()]
    orders = 0
    for month, email, client, days in sorted(planned, key=lambda step: step[:2]):
        _weekday, _hour, hours, _first, _every, (method, part) = CLIENTS[email]
        user = client.customer
        issued = _at(_month_end(month), 18)
        quantity = hours * len(days)
        order = place_order_for_items(
            user=user, items=[(housework, quantity)], payment_method=PaymentMethod.CHEQUE,
            billing=Billing(name=user.get_full_name(), address=f"{client.street_number} rue {client.street_name}\n"
                            f"{client.postcode} {client.city_label}", email=user.email),
            at=issued, for_booking=True,
        )  # fmt: skip
        line = order.lines.get()
        if line.quantity_measured_later:
            record_final_quantity(line=line, quantity=quantity, by=None, issue=False)
        issue_order_invoices(order=order, at=issued)
        order.refresh_from_db()
        paid = issued + datetime.timedelta(days=10)
        aid = (order.total_incl * part).quantize(CENT) if part < 1 else min(part, order.total_incl)
        record_offline_payment(order=order, structure=provider, method=method, amount=aid, by=staff, at=paid)
        cheque = record_offline_payment(
            order=order, structure=provider, method=PaymentMethod.CHEQUE, amount=order.total_incl - aid, by=staff,
            at=paid, cheque_number=f"{order.pk:07d}", cheque_bank="Crédit Agricole Brie Picardie",
            cheque_drawer=user.get_full_name(),
        )  # fmt: skip
        create_deposit_slip(structure=provider, payments=[cheque], by=staff, at=paid + datetime.timedelta(days=3))
        orders += 1
    return orders


def seed_visits(provider: Structure, housework: Offering) -> int:
    """The visits behind the 2025 orders (bookings done, their jobs, who made them, the validated hours)."""
    if Worker.objects.filter(structure=provider, last_name__in=[last for _f, last, *_ in WORKERS]).exists():
        return 0
    team = Team.objects.filter(structure=provider, name="Ménage à domicile").first()
    staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    workers = []
    for first, last, start, end, months, went in WORKERS:
        worker = Worker.objects.create(
            structure=provider, team=team, first_name=first, last_name=last, is_active=False,
            birth_date=datetime.date(1979 if first == "Nadia" else 1991, 4, 17),
            email=f"{first.lower()}.{last.lower()}@exemple.test", phone="06 00 00 00 00",
        )  # fmt: skip
        contract = create_contract(
            worker=worker, kind=ContractKind.CDDI, start_date=start, end_date=end, weekly_hours=Decimal(26)
        )
        Approval.objects.create(worker=worker, number=f"99990{worker.pk:07d}", start_date=start,
                                end_date=Approval.default_end_date(start))  # fmt: skip
        record_exit(contract=contract, reason=went, date=end, by=staff)
        workers.append((worker, months))
    visits = 0
    for email in CLIENTS:
        weekday, hour, hours, _first, _every, _paid = CLIENTS[email]
        orders = {
            timezone.localdate(order.placed_at).month: order
            for order in Order.objects.filter(customer__email=email, placed_at__year=YEAR, shares__seller=provider)
        }
        for month, days in _visits(email).items():
            order = orders.get(month)
            if order is None:
                continue
            line = order.lines.get()
            # The client's usual worker: Nadia until she left, then Karim (Odette's from the start).
            worker = next(w for w, months in (workers if weekday == 1 else workers[::-1]) if month in months)
            for day in days:
                _visit(provider, housework, order, line, worker, team, day, hour, hours, staff)
                visits += 1
    return visits


def _visit(provider, housework, order, line, worker, team, day, hour, hours, staff) -> None:
    starts_at = _at(day, hour)
    ends_at = starts_at + datetime.timedelta(hours=int(hours))
    slot, _created = Slot.objects.get_or_create(
        offering=housework, starts_at=starts_at, defaults={"ends_at": ends_at, "capacity": Decimal(1)}
    )
    booking = Booking.objects.create(
        offering=housework, slot=slot, customer=order.customer, order_line=line, starts_at=starts_at,
        ends_at=ends_at, places=Decimal(1), quantity=hours, final_quantity=hours,
        address=order.billing_address, postcode=order.billing_address.splitlines()[-1][:5],
        labour_hours_per_unit=Decimal(1), labour_headcount=1, status=BookingStatus.DONE,
        confirmed_at=order.placed_at, done_at=ends_at,
    )  # fmt: skip
    job = Job.objects.create(
        structure=provider, source_kind=JobSourceKind.BOOKING, source_id=str(booking.pk),
        title=f"{housework.name} (à domicile)"[:150], team=team, date=day, start_time=starts_at.timetz().replace(tzinfo=None),
        end_time=ends_at.timetz().replace(tzinfo=None), estimated_hours=hours, headcount=1, status=JobStatus.DONE,
    )  # fmt: skip
    Assignment.objects.create(job=job, worker=worker, hours=hours, created_by=staff)
    TimesheetEntry.objects.create(worker=worker, date=day, hours=hours, validated_at=ends_at, validated_by=staff)


def issue_certificates(provider: Structure) -> int:
    """The 2025 certificates, as the beat issued them on 5 January 2026."""
    if TaxCertificate.objects.filter(structure=provider, year=YEAR).exists():
        return 0
    return len(issue_tax_certificates(year=YEAR, structure=provider, at=_at(datetime.date(YEAR + 1, 1, 5), 6)))
