"""The planner's proposal is kept on the server until accepted or discarded, edited by hand under the same rules,
and applied in one go; a proposal the week has moved away from since is refused as stale."""

from decimal import Decimal

import pytest

from insertion import actions
from insertion.exceptions import AssignmentRefused, ProposalStale
from insertion.models import Assignment, PlanProposal
from insertion.workdays import format_week
from tests.insertion.factories import MONDAY, AbsenceFactory, TeamFactory, WorkerFactory, day

pytestmark = pytest.mark.django_db


def _ours():
    """The assignments of the test's own structures (the demo hub has its own: the AI's 2025 visits)."""
    return Assignment.objects.filter(job__structure__slug__startswith="structure-essai-")


WEEK = format_week(MONDAY)


@pytest.fixture
def team(structure):
    return TeamFactory(structure=structure, name="Maraîchage")


@pytest.fixture
def proposal(structure, workers, jobs, supervisor_user):
    return actions.propose_plan(structure=structure, monday=MONDAY, by=supervisor_user, seconds=2)


def url(structure, action: str) -> str:
    return f"/insertion/{structure.slug}/semaine/{WEEK}/{action}/"


def real_pairs() -> list[tuple[int, int]]:
    return sorted(_ours().values_list("job_id", "worker_id"))


def test_planning_keeps_the_proposal_and_a_reload_shows_it_without_assigning_anyone(
    supervisor, structure, workers, jobs, settings
):
    settings.INSERTION_PLANNER_SECONDS = 2

    response = supervisor.post(url(structure, "planifier"), follow=True)

    proposal = PlanProposal.objects.get(structure=structure, monday=MONDAY)
    assert len(proposal.pairs) == 10
    assert proposal.summary["covered_centi"] == proposal.summary["total_centi"] == 3500
    assert _ours().count() == 0
    page = supervisor.get(url(structure, "planifier").replace("planifier/", "")).content.decode()
    assert "Proposition du planificateur" in page
    assert "35 h couvertes sur 35 h." in page
    assert page.count("ins-block-proposed") == 10
    assert "Accepter la proposition" in page
    assert response.status_code == 200


def test_accepting_applies_the_proposal_in_one_go_and_forgets_it(supervisor, structure, proposal):
    pairs = sorted(map(tuple, proposal.pairs))

    response = supervisor.post(url(structure, "accepter"), follow=True)

    assert real_pairs() == pairs
    assert not PlanProposal.objects.exists()
    assert "Planning accepté : 10 affectation(s)." in response.content.decode()


def test_discarding_forgets_the_proposal_and_keeps_the_assignments(supervisor, structure, workers, jobs, proposal):
    Assignment.objects.create(job=jobs[0], worker=workers[2], hours=Decimal("3.50"))

    response = supervisor.post(url(structure, "ecarter"), follow=True)

    assert not PlanProposal.objects.exists()
    assert real_pairs() == [(jobs[0].pk, workers[2].pk)]
    assert "Proposition écartée : le planning reste tel qu&#x27;il était." in response.content.decode()


def test_a_fix_by_hand_while_a_proposal_is_pending_edits_the_proposal_only(
    supervisor, structure, workers, jobs, proposal
):
    held = next(worker_id for job_id, worker_id in proposal.pairs if job_id == jobs[0].pk)
    free = next(worker for worker in workers if [jobs[0].pk, worker.pk] not in proposal.pairs)

    supervisor.post(
        f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/affecter/", {"worker": free.pk, "remplace": held}
    )

    proposal.refresh_from_db()
    assert [jobs[0].pk, free.pk] in proposal.pairs
    assert [jobs[0].pk, held] not in proposal.pairs
    assert len(proposal.pairs) == 10
    assert _ours().count() == 0
    supervisor.post(url(structure, "accepter"))
    assert real_pairs() == sorted(map(tuple, proposal.pairs))


def test_a_fix_by_hand_breaking_a_rule_leaves_the_proposal_as_it_was(supervisor, structure, team, jobs, proposal):
    unskilled = WorkerFactory(structure=structure, team=team, ready=True, first_name="Zoé")
    held = next(worker_id for job_id, worker_id in proposal.pairs if job_id == jobs[0].pk)
    before = proposal.pairs

    response = supervisor.post(
        f"/insertion/{structure.slug}/interventions/{jobs[0].pk}/affecter/",
        {"worker": unskilled.pk, "remplace": held},
        HTTP_HX_REQUEST="true",
    )

    proposal.refresh_from_db()
    assert proposal.pairs == before
    assert "Règle « compétence » : Zoé" in response.content.decode()


def test_a_proposal_the_week_moved_away_from_is_refused_as_stale_and_nothing_changes(
    supervisor, structure, workers, jobs, proposal, supervisor_user
):
    # Meanwhile someone assigns a person for real, outside the proposal (another supervisor, the API).
    actions.assign_worker(job=jobs[4], worker=workers[2], by=supervisor_user)
    before = real_pairs()

    with pytest.raises(ProposalStale):
        actions.accept_proposal(structure=structure, monday=MONDAY, by=supervisor_user)
    response = supervisor.post(url(structure, "accepter"), follow=True)

    assert real_pairs() == before
    assert PlanProposal.objects.filter(pk=proposal.pk).exists()
    assert "Le planning de la semaine a changé depuis la proposition" in response.content.decode()


def test_a_rule_broken_since_the_proposal_refuses_the_whole_of_it(structure, workers, jobs, proposal, supervisor_user):
    absent = next(worker_id for job_id, worker_id in proposal.pairs if job_id == jobs[0].pk)
    AbsenceFactory(worker_id=absent, start_date=day(0), end_date=day(0))

    with pytest.raises(AssignmentRefused, match="Règle « absence »"):
        actions.accept_proposal(structure=structure, monday=MONDAY, by=supervisor_user)

    assert _ours().count() == 0
    assert PlanProposal.objects.filter(pk=proposal.pk).exists()


def test_accepting_with_no_proposal_pending_changes_nothing(supervisor, structure, workers, jobs):
    response = supervisor.post(url(structure, "accepter"), follow=True)

    assert _ours().count() == 0
    assert "Aucune proposition en attente pour cette semaine : lancez la planification." in response.content.decode()


def test_planning_again_replaces_the_pending_proposal(structure, workers, jobs, proposal, supervisor_user):
    again = actions.propose_plan(structure=structure, monday=MONDAY, by=supervisor_user, seconds=1)

    assert list(PlanProposal.objects.values_list("pk", flat=True)) == [proposal.pk]
    assert len(again.pairs) == 10
