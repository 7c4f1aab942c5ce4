"""The demo supervisor plans next week at Jardins du Pôle on the planning grid, against the clock: the planner,
three fixes by hand (one dragged, two picked), accept — under two minutes. Then a drop that breaks a rule."""

import datetime
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.demo import DEMO_PASSWORD
from hub.models import Structure
from insertion import selectors
from insertion.models import Assignment, Job, PlanProposal, Worker
from insertion.workdays import format_week, monday_of
from tests.e2e.conftest import VIEWPORTS, screenshot, serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _swaps(state, *, avoid: set[int] = frozenset(), allowed: bool = True):
    """(rows apart, job, holder, other, refusal) for each seat `other` may (or may not) take from its holder,
    nearest rows first: a supervisor drags within what the screen shows."""
    rows = {worker.pk: index for index, (worker, _facts) in enumerate(state.workers)}
    found = []
    for job_id, holders in state.seats.items():
        if job_id in avoid or not state.jobs[job_id].is_open:
            continue
        for holder in holders:
            for worker, facts in state.workers:
                if worker.pk in holders or holder not in rows:
                    continue
                broken = state.refusal(facts, job_id, replacing=holder)
                if (broken is None) == allowed:
                    found.append((abs(rows[holder] - rows[worker.pk]), job_id, holder, worker.pk, broken))
    return sorted(found, key=lambda item: item[:4])


def _seat_to_swap(state, *, avoid: set[int]):
    """A proposed (job, holder, other) where `other` may take the holder's seat: what a drag or the picker can do."""
    swaps = _swaps(state, avoid=avoid)
    assert swaps, "no seat the supervisor could give to someone else"
    _distance, job_id, holder, other, _refusal = swaps[0]
    return job_id, holder, other


def _lane_job_with_a_taker(state, *, avoid: set[int]):
    """A job with a free seat that someone may still take, if any."""
    for job_id, holders in state.seats.items():
        job = state.jobs[job_id]
        if job_id in avoid or not job.is_open or len(holders) >= job.headcount:
            continue
        if any(state.refusal(facts, job_id) is None for _worker, facts in state.workers):
            return job_id
    return None


def _no_page_wide_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_supervisor_plans_a_week_fixes_three_assignments_and_accepts_in_under_two_minutes(page, live_demo_hub, axe):
    jardins = Structure.objects.get(slug="jardins-du-pole")
    monday = monday_of(timezone.localdate()) + datetime.timedelta(days=7)
    week = format_week(monday)
    jobs = Job.objects.for_structure(jardins).in_week(monday).open().count()
    workers = Worker.objects.for_structure(jardins).active().count()
    assert 24 <= jobs <= 40
    assert workers == 24
    assert not Assignment.objects.filter(job__structure=jardins, job__date__gte=monday).exists()

    started = time.monotonic()
    page.goto(live_demo_hub.url + "/auth/login/?next=/insertion/")
    page.get_by_label("Courriel").fill("encadrant@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/insertion/$"))
    page.get_by_role("link", name=re.compile("Planning de la semaine prochaine")).click()
    page.wait_for_url(re.compile(rf"/insertion/jardins-du-pole/semaine/{week}/$"))
    lane = page.locator("tr.ins-lane")
    expect(lane.locator(".ins-block")).to_have_count(jobs)

    # 1. The planner: its proposal is kept on the server and shown on the grid, « Accepter » in view.
    page.get_by_role("button", name="Planifier", exact=True).click()
    accept = page.get_by_role("button", name="Accepter la proposition")
    expect(accept).to_be_in_viewport()
    proposal = PlanProposal.objects.get(structure=jardins, monday=monday)
    assert len(proposal.pairs) > 100
    expect(page.locator(".ins-block-proposed")).to_have_count(len(proposal.pairs))
    page.locator("tr").last.scroll_into_view_if_needed()  # down to the last person: « Accepter » stays in view
    expect(accept).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    planned_at = time.monotonic()

    # 2. Fix one by drag and drop: a proposed seat dragged onto another person's row, same day.
    state = selectors.week_state(jardins, monday)
    job_id, holder, taker = _seat_to_swap(state, avoid=set())
    day = f"{state.jobs[job_id].date:%Y-%m-%d}"
    page.locator(f"#job-{job_id}-{holder}").drag_to(page.locator(f'td[data-worker="{taker}"][data-day="{day}"]'))
    expect(page.locator(f"#job-{job_id}-{taker}")).to_have_count(1)
    expect(page.locator(f"#job-{job_id}-{holder}")).to_have_count(0)
    expect(page.locator("#board-status")).to_contain_text(Worker.objects.get(pk=taker).full_name)

    # 3. Fix two with the picker: a seat given to another person, then a free seat filled (or a second swap).
    state = selectors.week_state(jardins, monday)
    second, holder2, _taker2 = _seat_to_swap(state, avoid={job_id})
    page.locator(f"#job-{second}-{holder2}").click()
    picker = page.locator("#picker")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("heading", name=re.compile("^Remplacer "))).to_be_visible()
    assert picker.locator(".ins-unavailable li").count() >= 1  # the others, apart, with their reason
    assert picker.locator(".ins-unavailable .ins-reason").first.inner_text() != ""
    assert serious_violations(axe, page) == []
    screenshot(page, "insertion-board-picker")
    chosen = picker.locator("button.ins-pick").first
    chosen_name = chosen.locator(".ins-name").inner_text()
    chosen.click()
    expect(picker).to_be_hidden()
    expect(page.locator("#board-status")).to_contain_text(chosen_name)

    state = selectors.week_state(jardins, monday)
    third = _lane_job_with_a_taker(state, avoid={job_id, second})
    if third is not None:
        page.locator(f"tr.ins-lane #job-{third}").click()
    else:
        third, holder3, _taker3 = _seat_to_swap(state, avoid={job_id, second})
        page.locator(f"#job-{third}-{holder3}").click()
    expect(picker).to_be_visible()
    chosen = picker.locator("button.ins-pick").first
    chosen_name = chosen.locator(".ins-name").inner_text()
    chosen.click()
    expect(picker).to_be_hidden()
    expect(page.locator("#board-status")).to_contain_text(chosen_name)
    assert not Assignment.objects.filter(job__structure=jardins, job__date__gte=monday).exists()
    final = sorted(map(tuple, PlanProposal.objects.get(structure=jardins, monday=monday).pairs))

    # 4. Accept: the proposal, with the three fixes, becomes the week's assignments in one go.
    accept.click()
    page.get_by_text(re.compile(r"Planning accepté : \d+ affectation")).wait_for()
    elapsed = time.monotonic() - started
    print(  # noqa: T201 — the figure the issue asks for
        f"\nA week of {jobs} jobs for {workers} workers planned, 3 fixes by hand, accepted in {elapsed:.1f} s "
        f"(planner {planned_at - started:.1f} s after the start)."
    )
    assert elapsed < 120
    assert (
        sorted(
            Assignment.objects.filter(job__structure=jardins, job__date__gte=monday).values_list("job_id", "worker_id")
        )
        == final
    )
    assert not PlanProposal.objects.filter(structure=jardins).exists()
    assert serious_violations(axe, page) == []
    screenshot(page, "insertion-board-accepted")

    # A drop that breaks a rule: refused by the server in French, nothing changed.
    state = selectors.week_state(jardins, monday)
    refused = [item for item in _swaps(state, allowed=False) if item[4].code == "missing_skill"]
    _distance, job_id, holder, other, broken = refused[0]
    message = broken.message
    before = sorted(Assignment.objects.values_list("pk", "job_id", "worker_id"))
    day = f"{state.jobs[job_id].date:%Y-%m-%d}"
    page.locator(f"#job-{job_id}-{holder}").drag_to(page.locator(f'td[data-worker="{other}"][data-day="{day}"]'))
    expect(page.locator("#board-status")).to_have_text(message)
    assert message.startswith("Règle « compétence »")
    assert sorted(Assignment.objects.values_list("pk", "job_id", "worker_id")) == before


def test_the_grid_fits_a_desktop_and_scrolls_inside_itself_on_a_phone(page, live_demo_hub, axe):
    monday = monday_of(timezone.localdate()) + datetime.timedelta(days=7)
    page.goto(live_demo_hub.url + "/auth/login/?next=/insertion/jardins-du-pole/semaine/" + format_week(monday) + "/")
    page.get_by_label("Courriel").fill("encadrant@demo.pole.test")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.locator("table.ins-grid").wait_for()

    # 24 people and a week of about 30 jobs: within two screens at 1366 px, not 4 500–7 000 px.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2 * 900, height
    assert _no_page_wide_scroll(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Planning — Jardins du Pôle")
    assert page.get_by_text(re.compile(r"^\d+ alertes? — semaine du ")).count() == 1
    assert serious_violations(axe, page) == []
    screenshot(page, "insertion-board")

    page.set_viewport_size(VIEWPORTS["phone"])
    assert _no_page_wide_scroll(page)  # only the grid scrolls, in its own box
    scroller = page.locator(".ins-grid-scroll")
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")
    heights = page.locator(".ins-block").evaluate_all("blocks => blocks.map(b => b.getBoundingClientRect().height)")
    assert min(heights) >= 44
    assert serious_violations(axe, page) == []
    # The picker opens on a phone too, and its choices are big enough for a thumb.
    page.locator("tr.ins-lane .ins-block").first.click()
    expect(page.locator("#picker")).to_be_visible()
    assert _no_page_wide_scroll(page)
    assert serious_violations(axe, page) == []
