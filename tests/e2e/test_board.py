"""The demo supervisor plans next week at Jardins du Pôle: planner, accept, a move by hand, a refusal."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.demo import DEMO_PASSWORD
from hub.models import Structure
from insertion.actions import check_assignment
from insertion.exceptions import AssignmentRefused
from insertion.models import Assignment, Job, Worker
from insertion.workdays import format_week, monday_of
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def remove_name(worker) -> re.Pattern:
    return re.compile(rf"^Retirer {re.escape(worker.full_name)}")


def _refused_move(structure, monday, worker):
    """A job of the week with a free seat that `worker` may not take, and the rule's message."""
    jobs = Job.objects.for_structure(structure).in_week(monday).open().select_related("required_skill")
    for job in jobs.order_by("date", "start_time", "pk"):
        if job.assignments.count() >= job.headcount or job.assignments.filter(worker=worker).exists():
            continue
        try:
            check_assignment(job=job, worker=worker)
        except AssignmentRefused as error:
            return job, error.message
    raise AssertionError("no refused move found")


def test_supervisor_plans_accepts_and_meets_a_rule(page, live_demo_hub, axe, settings):
    settings.INSERTION_PLANNER_SECONDS = 3
    jardins = Structure.objects.get(slug="jardins-du-pole")
    monday = monday_of(timezone.localdate()) + datetime.timedelta(days=7)
    week = format_week(monday)

    page.goto(live_demo_hub.url + "/auth/login/?next=/insertion/")
    page.get_by_label("Courriel").fill("encadrant@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/insertion/$"))
    page.get_by_role("link", name=re.compile("Planning de la semaine prochaine")).click()
    page.wait_for_url(re.compile(rf"/insertion/jardins-du-pole/semaine/{week}/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Planning — Jardins du Pôle")
    assert serious_violations(axe, page) == []
    screenshot(page, "insertion-board-empty")

    page.get_by_role("button", name="Planifier").click()
    proposal = page.locator("#proposal")
    proposal.get_by_role("heading", name="Proposition du planificateur").wait_for()
    assert "Heures couvertes" in proposal.inner_text()
    assert Assignment.objects.filter(job__structure=jardins).count() == 0
    assert serious_violations(axe, page) == []
    screenshot(page, "insertion-proposal")

    proposal.get_by_role("button", name="Accepter la proposition").click()
    page.get_by_text(re.compile(r"Planning accepté : \d+ affectation")).wait_for()
    planned = Assignment.objects.filter(job__structure=jardins, job__date__gte=monday).count()
    assert planned > 20

    # Move one worker by hand: off their first job...
    assignment = (
        Assignment.objects.filter(job__structure=jardins, job__date__gte=monday)
        .select_related("job", "worker")
        .order_by("job__date", "job__start_time", "pk")
        .first()
    )
    worker = assignment.worker
    card = page.locator(f"#job-{assignment.job_id}")
    remove = card.get_by_role("button", name=remove_name(worker))
    remove.click()
    expect(page.locator(f"#job-{assignment.job_id}").get_by_role("button", name=remove_name(worker))).to_have_count(0)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()

    # ... onto a job that breaks a rule: the board says which one, in French.
    job, message = _refused_move(jardins, monday, Worker.objects.get(pk=worker.pk))
    target = page.locator(f"#job-{job.pk}")
    target.locator("select").select_option(str(worker.pk))
    target.get_by_role("button", name=re.compile("^Affecter")).click()
    refusal = page.locator(f"#job-{job.pk} .ins-refusal")
    refusal.wait_for()
    assert refusal.inner_text() == message
    assert message.startswith("Règle « ")
    assert not Assignment.objects.filter(job=job, worker=worker).exists()
    assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["phone"])
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    )  # only the board scrolls
    assert serious_violations(axe, page) == []
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, "insertion-board-refusal")
