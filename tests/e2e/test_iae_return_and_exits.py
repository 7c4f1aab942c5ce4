"""The insertion structure's monthly IAE return, its exits and an exit recorded in the browser: the
supervisor reads last month's return and the exits page, then records where a worker went — checked
before it is saved, nothing recorded until confirmed — each page axe-clean and without horizontal scroll
at 1366 and 390 px."""

import re

import pytest
from django.utils import timezone

from insertion.enums import ExitReason
from insertion.models import ContractExit, Worker
from tests.e2e.test_purchases_and_basket_size import _clean_at_both_widths, _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SUPERVISOR = "encadrant@demo.pole.test"
SLUG = "jardins-du-pole"


def test_the_supervisor_reads_the_return_and_the_exits_then_records_an_exit(page, live_demo_hub, axe):
    base = live_demo_hub.url
    today = timezone.localdate()
    last = (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    path = f"/insertion/{SLUG}/etat-mensuel/{last.year}/{last.month}/"
    _sign_in(page, base, SUPERVISOR, path)
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("table").count() >= 1
    _clean_at_both_widths(page, axe, "iae-return")

    page.goto(f"{base}/insertion/{SLUG}/sorties/")
    assert page.get_by_role("heading", level=1).is_visible()
    _clean_at_both_widths(page, axe, "exits")

    worker = Worker.objects.active().filter(structure__slug=SLUG).order_by("last_name", "pk").first()
    page.goto(f"{base}/insertion/{SLUG}/salaries/{worker.pk}/sortie/")
    _clean_at_both_widths(page, axe, "exit-form")
    page.get_by_label("Date de sortie").fill(today.isoformat())
    page.get_by_label("Motif de sortie").select_option(ExitReason.TRAINING.value)
    page.get_by_role("button", name="Vérifier avant d'enregistrer").click()
    assert not ContractExit.objects.filter(contract__worker=worker).exists()  # nothing before confirming
    _clean_at_both_widths(page, axe, "exit-confirm")

    page.get_by_role("button", name="Oui, enregistrer la sortie").click()
    page.wait_for_url(re.compile(rf"/insertion/{SLUG}/salaries/{worker.pk}/$"))
    recorded = ContractExit.objects.get(contract__worker=worker)
    assert (recorded.reason, recorded.date) == (ExitReason.TRAINING, today)
