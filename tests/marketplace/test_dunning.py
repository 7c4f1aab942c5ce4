"""Reminders of unpaid invoices: levels, idempotence, pauses, residents, B2B penalties, pages, command."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounting.models import EntryLine
from marketplace.actions import dunning
from marketplace.dunning_texts import RESIDENT_SUBJECT
from marketplace.enums import DunningKind, DunningPauseReason
from marketplace.exceptions import DunningError
from marketplace.models import DunningLevel, DunningPause, Invoice, LatePenalty, ReminderSent
from marketplace.postings import customer_account
from tests.marketplace.receivables_helpers import (
    accountant_of,
    business_order,
    invoice_of,
    pay_part,
    resident_order,
    seller,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shop(db):
    return seller(name="Atelier Vélo Solidaire")


def _day(invoice, days: int) -> datetime.date:
    return invoice.due_date + datetime.timedelta(days=days)


def _placed(days_ago: int) -> datetime.datetime:
    """Noon, Paris time, `days_ago` days before today: the invoice's date whatever the hour and DST."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _sent(invoice) -> list[str]:
    return list(
        ReminderSent.objects.filter(invoice=invoice).order_by("level__rank").values_list("level__kind", flat=True)
    )


def test_every_structure_gets_the_default_levels_7_15_30_days(shop):
    levels = dunning.ensure_default_levels(shop)
    again = dunning.ensure_default_levels(shop)

    assert [(lv.rank, lv.days_after_due, lv.kind) for lv in levels] == [
        (1, 7, DunningKind.FRIENDLY),
        (2, 15, DunningKind.SECOND),
        (3, 30, DunningKind.FORMAL_NOTICE),
    ]
    assert [lv.pk for lv in again] == [lv.pk for lv in levels]


def test_the_next_level_is_sent_once_and_never_twice(shop):
    invoice = invoice_of(business_order(shop, price="120.00"), shop)

    assert dunning.send_due_reminders(on=_day(invoice, 6), structures=[shop]) == 0
    assert dunning.send_due_reminders(on=_day(invoice, 7), structures=[shop]) == 1
    assert dunning.send_due_reminders(on=_day(invoice, 7), structures=[shop]) == 0
    assert dunning.send_due_reminders(on=_day(invoice, 14), structures=[shop]) == 0
    assert _sent(invoice) == [DunningKind.FRIENDLY]
    assert dunning.send_due_reminders(on=_day(invoice, 15), structures=[shop]) == 1
    assert dunning.send_due_reminders(on=_day(invoice, 29), structures=[shop]) == 0
    assert dunning.send_due_reminders(on=_day(invoice, 30), structures=[shop]) == 1
    assert dunning.send_due_reminders(on=_day(invoice, 90), structures=[shop]) == 0
    assert _sent(invoice) == [DunningKind.FRIENDLY, DunningKind.SECOND, DunningKind.FORMAL_NOTICE]
    formal = ReminderSent.objects.get(invoice=invoice, level__kind=DunningKind.FORMAL_NOTICE)
    assert (formal.to, formal.open_amount, formal.days_overdue, formal.by) == (
        "compta@client.test",
        D("120.00"),
        30,
        None,
    )


def test_a_late_first_run_sends_the_highest_level_reached_only(shop):
    invoice = invoice_of(business_order(shop), shop)

    assert dunning.send_due_reminders(on=_day(invoice, 16), structures=[shop]) == 1

    assert _sent(invoice) == [DunningKind.SECOND]


def test_a_paid_or_not_yet_due_invoice_is_not_reminded(shop):
    paid_order = business_order(shop, price="50.00")
    pay_part(paid_order, shop, "50.00")
    paid = invoice_of(paid_order, shop)

    assert dunning.send_due_reminders(on=_day(paid, 40), structures=[shop]) == 0
    assert dunning.send_due_reminders(on=_day(paid, 0), structures=[shop]) == 0
    assert ReminderSent.objects.filter(invoice__structure=shop).count() == 0


def test_a_pause_per_invoice_or_per_customer_stops_the_reminders_until_lifted(shop):
    order = business_order(shop)
    invoice = invoice_of(order, shop)
    accountant = accountant_of(shop)
    until = _day(invoice, 60)
    pause = dunning.pause_reminders(
        structure=shop, by=accountant, invoice=invoice, reason=DunningPauseReason.DISPUTE, until=until
    )

    assert dunning.send_due_reminders(on=_day(invoice, 10), structures=[shop]) == 0

    dunning.lift_pause(pause=pause)
    dunning.pause_reminders(
        structure=shop,
        by=accountant,
        customer_code=customer_account(order=order)[0],
        reason=DunningPauseReason.PAYMENT_PLAN,
        until=until,
        note="3 mensualités",
    )
    assert dunning.send_due_reminders(on=_day(invoice, 10), structures=[shop]) == 0
    # Once the pause is over, the reminders start again.
    assert dunning.send_due_reminders(on=_day(invoice, 61), structures=[shop]) == 1
    assert _sent(invoice) == [DunningKind.FORMAL_NOTICE]


def test_a_pause_in_the_past_or_without_target_is_refused(shop):
    invoice = invoice_of(business_order(shop), shop)
    accountant = accountant_of(shop)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with pytest.raises(DunningError):
        dunning.pause_reminders(structure=shop, by=accountant, invoice=invoice, reason="dispute", until=yesterday)
    with pytest.raises(DunningError):
        dunning.pause_reminders(structure=shop, by=accountant, reason="dispute", until=timezone.localdate())
    assert DunningPause.objects.count() == 0


def test_the_reminder_email_leaves_with_the_statement_attached(shop, django_capture_on_commit_callbacks):
    invoice = invoice_of(business_order(shop, price="120.00"), shop)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        dunning.send_due_reminders(on=_day(invoice, 30), structures=[shop])

    [message] = mail.outbox
    assert message.to == ["compta@client.test"]
    assert message.subject == f"Mise en demeure : facture {invoice.number}"
    assert "120,00" in message.body
    [(name, content, mimetype)] = message.attachments
    assert name.startswith(f"releve-{shop.slug}-")
    assert name.endswith(".pdf")
    assert (content[:4], mimetype) == (b"%PDF", "application/pdf")


def test_a_resident_is_reminded_kindly_and_never_charged_penalties(shop, django_capture_on_commit_callbacks):
    order = resident_order(shop, price="30.00")
    invoice = invoice_of(order, shop)
    item = dunning.find_item(shop, invoice.pk, on=_day(invoice, 45))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert dunning.send_due_reminders(on=_day(invoice, 45), structures=[shop]) == 1

    [message] = mail.outbox
    assert message.subject == RESIDENT_SUBJECT.replace("{facture}", invoice.number)
    assert "mise en demeure" not in message.body.lower()
    assert "pénalité" not in message.body.lower()
    assert dunning.late_penalty(item, dunning.policy_for(shop)) == (0, D("0.00"), D("0.00"), D("0.00"))
    invoices = Invoice.objects.count()
    with pytest.raises(DunningError):
        dunning.invoice_late_penalty(structure=shop, invoice_id=invoice.pk, by=accountant_of(shop))
    assert (Invoice.objects.count(), LatePenalty.objects.count()) == (invoices, 0)


def test_business_penalties_are_three_times_the_legal_rate_plus_40_euros_invoiced_once(shop):
    order = business_order(shop, price="1200.00", at=_placed(75))
    invoice = invoice_of(order, shop)
    at = timezone.now()
    assert _day(invoice, 45) == timezone.localdate(at)
    item = dunning.find_item(shop, invoice.pk, on=_day(invoice, 45))

    # 1 200,00 × 8,28 % × 45 / 365 = 12,2498… → 12,25 ; + 40 € (C. com. D441-5).
    assert dunning.late_penalty(item, dunning.policy_for(shop)) == (45, D("8.28"), D("12.25"), D("40.00"))
    penalty = dunning.invoice_late_penalty(structure=shop, invoice_id=invoice.pk, by=accountant_of(shop), at=at)

    bill = penalty.penalty_invoice
    assert (bill.total_excl, bill.total_vat, bill.total_incl, bill.organisation_id) == (
        D("52.25"), D("0.00"), D("52.25"), order.organisation_id,
    )  # fmt: skip
    assert [(line.total_incl, line.revenue_account) for line in bill.lines.all()] == [
        (D("12.25"), "7638"),
        (D("40.00"), "7638"),
    ]
    booked = EntryLine.objects.filter(entry__piece_ref=bill.number, entry__structure=shop)
    assert sorted((line.account.code, line.debit, line.credit) for line in booked) == [
        ("411", D("52.25"), D("0.00")),
        ("7638", D("0.00"), D("52.25")),
    ]
    invoices = Invoice.objects.count()
    with pytest.raises(DunningError):
        dunning.invoice_late_penalty(structure=shop, invoice_id=invoice.pk, by=accountant_of(shop), at=at)
    assert (Invoice.objects.count(), LatePenalty.objects.count()) == (invoices, 1)


def test_a_not_yet_due_invoice_has_no_penalty(shop):
    invoice = invoice_of(business_order(shop), shop)
    with pytest.raises(DunningError):
        dunning.invoice_late_penalty(structure=shop, invoice_id=invoice.pk, by=accountant_of(shop))
    assert LatePenalty.objects.count() == 0


# --- Pages and command -------------------------------------------------------------------------


def test_the_accountant_sends_a_reminder_by_hand_after_confirming(client, shop):
    # Placed and invoiced 40 days ago (a new series may start in the past): due 10 days ago.
    placed = _placed(40)
    invoice = invoice_of(business_order(shop, price="80.00", at=placed), shop)
    client.force_login(accountant_of(shop))
    url = reverse("receivables:send_reminder", args=[shop.slug, invoice.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert confirm.context["level"].kind == DunningKind.FRIENDLY
    assert ReminderSent.objects.filter(invoice=invoice).count() == 0  # nothing sent before the confirmation

    sent = client.post(url)
    again = client.post(url)
    third = client.post(url)
    fourth = client.post(url, follow=True)

    assert (sent.status_code, again.status_code, third.status_code) == (302, 302, 302)
    assert _sent(invoice) == [DunningKind.FRIENDLY, DunningKind.SECOND, DunningKind.FORMAL_NOTICE]
    assert "Tous les niveaux de relance ont déjà été envoyés" in fourth.content.decode()
    assert ReminderSent.objects.filter(invoice=invoice).count() == 3


def test_the_penalty_page_confirms_then_invoices_once(client, shop):
    placed = _placed(40)
    invoice = invoice_of(business_order(shop, price="1200.00", at=placed), shop)
    client.force_login(accountant_of(shop))
    url = reverse("receivables:late_penalty", args=[shop.slug, invoice.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert (confirm.context["days"], confirm.context["interest"], confirm.context["fee"]) == (
        10,
        D("2.72"),
        D("40.00"),
    )  # fmt: skip  — 1 200 × 8,28 % × 10 / 365 = 2,7221…
    assert LatePenalty.objects.count() == 0

    client.post(url)
    client.post(url)
    assert LatePenalty.objects.get().penalty_invoice.total_incl == D("42.72")


def test_the_reminders_page_and_the_history_in_pinned_queries(client, shop, django_assert_num_queries):
    for _ in range(3):
        invoice = invoice_of(business_order(shop), shop)
    dunning.send_due_reminders(on=_day(invoice, 8), structures=[shop])
    client.force_login(accountant_of(shop))

    with django_assert_num_queries(14):
        page = client.get(reverse("receivables:reminders", args=[shop.slug]))
    with django_assert_num_queries(6):
        history = client.get(reverse("receivables:history", args=[shop.slug]))

    assert page.status_code == 200
    assert history.status_code == 200
    assert len(history.context["page"].object_list) == 3


def test_the_pause_form_refuses_bad_dates_and_pauses(client, shop):
    order = business_order(shop)
    code = customer_account(order=order)[0]
    client.force_login(accountant_of(shop))
    url = reverse("receivables:pause", args=[shop.slug]) + f"?client={code}"

    refused = client.post(url, {"reason": "dispute", "until": "2001-01-01", "note": ""})
    too_long = client.post(url, {"reason": "dispute", "until": "2026-01-01", "note": "x" * 201})
    assert (refused.status_code, too_long.status_code) == (200, 200)
    assert DunningPause.objects.count() == 0

    until = timezone.localdate() + datetime.timedelta(days=30)
    done = client.post(url, {"reason": "plan", "until": until.isoformat(), "note": "Échéancier"})
    assert done.status_code == 302
    pause = DunningPause.objects.get()
    assert (pause.customer_code, pause.reason, pause.until, pause.note) == (code, "plan", until, "Échéancier")
    assert client.get(reverse("receivables:pause", args=[shop.slug]) + "?client=<x>").status_code == 404
    assert client.get(reverse("receivables:pause", args=[shop.slug]) + "?facture=999999999999").status_code == 404
    huge = reverse("receivables:send_reminder", args=[shop.slug, 99999999999999999999])
    assert client.get(huge).status_code == 404


def test_send_reminders_command(shop):
    invoice = invoice_of(business_order(shop), shop)
    out = StringIO()

    call_command("send_reminders", "--structure", shop.slug, "--date", _day(invoice, 7).isoformat(), stdout=out)
    call_command("send_reminders", "--structure", shop.slug, "--date", _day(invoice, 7).isoformat(), stdout=out)

    assert out.getvalue() == "1 relance(s) envoyée(s).\n0 relance(s) envoyée(s).\n"
    assert DunningLevel.objects.filter(structure=shop).count() == 3
