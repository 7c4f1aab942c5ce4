"""The supervisor's board and the insertion pages. Thin: check `perms` (404 for anyone else, anonymous
visitors included: no login redirect reveals that a page exists), call, render.

htmx requests get the fragment they replace; plain requests a redirect with a message, so the
board also works without JavaScript.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounting.exports import csv_response
from hub import spreadsheet
from hub.models import Structure
from hub.params import MAX_YEAR, MIN_YEAR, InvalidParameter, date_param
from insertion import actions, forms, perms, reports, selectors
from insertion import iae_return as iae_returns
from insertion.alerts import alerts_for, week_label
from insertion.enums import EXIT_CATEGORY_OF, AbsenceKind, ExitCategory, ExitReason
from insertion.exceptions import InsertionError, TimesheetRefused
from insertion.jobs import sync_jobs
from insertion.models import MAX_DAY_HOURS, Assignment, Contract, Job, JobAlert, PlanProposal, Worker
from insertion.rules import format_hours
from insertion.workdays import format_week, monday_of, parse_week


def _board_url(structure, monday) -> str:
    return reverse("insertion:board", args=[structure.slug, format_week(monday)])


def index(request: HttpRequest) -> HttpResponse:
    structures = list(
        Structure.objects.filter(pk__in=perms.hours_structure_ids(request.user), teams__isnull=False).distinct()
    )
    if not structures:
        raise Http404
    next_week = format_week(monday_of(timezone.localdate()) + datetime.timedelta(days=7))
    rows = [(structure, perms.can_plan(request.user, structure)) for structure in structures]
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)  # the month to declare
    context = {"rows": rows, "next_week": next_week, "today": today, "last_month": last_month}
    return render(request, "insertion/index.html", context)


def structure_home(request: HttpRequest, slug: str) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    return redirect(_board_url(structure, monday_of(timezone.localdate())))


def board(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    return render(request, "insertion/board.html", _board_context(structure, monday))


def _board_context(structure, monday, **extra) -> dict:
    data = selectors.board(structure, monday)
    summary = data.proposal.summary if data.proposal else {}
    return {
        "structure": structure,
        "board": data,
        "summary": summary,
        "covered": format_hours(summary.get("covered_centi", 0)),
        "total": format_hours(summary.get("total_centi", 0)),
        "week": format_week(monday),
        "week_label": week_label(monday),
        "previous_week": format_week(monday - datetime.timedelta(days=7)),
        "next_week": format_week(monday + datetime.timedelta(days=7)),
        "alerts": alerts_for(structure, today=timezone.localdate(), monday=monday),
        **extra,
    }


@require_POST
def synchronise(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    result = sync_jobs(structure=structure, week=monday)
    messages.success(
        request,
        _("Interventions synchronisées : %(created)d créée(s), %(updated)d mise(s) à jour, %(cancelled)d annulée(s).")
        % {"created": result.created, "updated": result.updated, "cancelled": result.cancelled},
    )
    return redirect(_board_url(structure, monday))


@require_POST
def see_alert(request: HttpRequest, slug: str, alert_id: int) -> HttpResponse:
    """The supervisor has checked a job whose source changed: back to the week they were looking at."""
    structure = perms.structure_for_planning_or_404(request.user, slug)
    alert = get_object_or_404(JobAlert.objects.select_related("job"), pk=alert_id, structure=structure)
    actions.mark_job_alert_seen(alert=alert, by=request.user)
    try:
        monday = parse_week(request.POST.get("week", ""))
    except ValueError:
        monday = monday_of(alert.job.date)
    return redirect(_board_url(structure, monday))


def _after_change(request, structure, job: Job, *, error: str = "", done: str = "") -> HttpResponse:
    """htmx: the whole board again (hours per worker change too), with what happened said at its top."""
    if request.htmx:
        context = _board_context(structure, monday_of(job.date), error=error, done=done)
        return render(request, "insertion/board.html", context)  # 200: htmx swaps only successes
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(_board_url(structure, monday_of(job.date)) + f"#job-{job.pk}")


def _posted_worker(request, structure, field: str) -> Worker | None:
    """The structure's worker named by a posted id; None when the field is empty; 404-free: bad ids refuse."""
    raw = request.POST.get(field, "")
    if raw == "":
        return None
    try:
        return Worker.objects.for_structure(structure).get(pk=_id(int(raw)) if raw.isdigit() else -1)
    except (ValueError, Worker.DoesNotExist):
        raise InsertionError(_("Choisissez une personne de la structure.")) from None


def _proposal_of(structure, job: Job) -> PlanProposal | None:
    return PlanProposal.objects.filter(structure=structure, monday=monday_of(job.date)).first()


@require_POST
def assign(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    """One seat of the job to a person (in place of `remplace`, if given): in the pending proposal if there is
    one, for real otherwise. The server checks every rule; a refusal changes nothing and says why."""
    structure = perms.structure_for_planning_or_404(request.user, slug)
    job = get_object_or_404(Job.objects.select_related("required_skill"), pk=job_id, structure=structure)
    try:
        worker = _posted_worker(request, structure, "worker")
        replacing = _posted_worker(request, structure, "remplace")
        if worker is None:
            raise InsertionError(_("Choisissez une personne de la structure."))
        proposal = _proposal_of(structure, job)
        if proposal is not None:
            actions.assign_in_proposal(proposal=proposal, job=job, worker=worker, replacing=replacing, by=request.user)
        elif replacing is not None:
            actions.move_assignment(job=job, worker=worker, replacing=replacing, by=request.user)
        else:
            actions.assign_worker(job=job, worker=worker, by=request.user)
    except InsertionError as error:
        return _after_change(request, structure, job, error=error.message)
    return _after_change(
        request, structure, job, done=_("%(worker)s : %(job)s.") % {"worker": worker.full_name, "job": _job_name(job)}
    )


def _confirm_unassign(request, structure, job: Job, worker: Worker, *, proposal, action_url: str = "") -> HttpResponse:
    """The step before taking a person off a job: who, which job, what becomes of the seat. htmx gets it
    inside the picker's dialog, a plain request as a page; nothing has changed yet."""
    on_job = (
        (job.pk, worker.pk) in proposal.pair_set
        if proposal is not None
        else Assignment.objects.filter(job=job, worker=worker).exists()
    )
    if not on_job:
        response = _after_change(
            request,
            structure,
            job,
            error=_("%(worker)s n'est plus sur cette intervention : rechargez le planning.")
            % {"worker": worker.full_name},
        )
        if request.htmx:  # asked from the picker: the board is redrawn with the refusal, not the dialog
            for header, value in (("HX-Retarget", "#board"), ("HX-Reswap", "outerHTML"), ("HX-Reselect", "#board")):
                response[header] = value
        return response
    context = {
        "structure": structure,
        "job": job,
        "worker": worker,
        "in_proposal": proposal is not None,
        "week": format_week(monday_of(job.date)),
        "action_url": action_url or reverse("insertion:unassign_seat", args=[structure.slug, job.pk]),
        "in_dialog": bool(request.htmx),  # « Garder » closes the dialog; on the page it goes back to the board
    }
    template = "insertion/_unassign_confirm.html" if request.htmx else "insertion/unassign_confirm.html"
    return render(request, template, context)


@require_POST
def unassign_seat(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    """Take a person off a job (back to the lane of jobs to staff): in the proposal if one is pending.
    Asked first (the picker's « Retirer », a drop on the lane): only a POST with `confirm=1` acts."""
    structure = perms.structure_for_planning_or_404(request.user, slug)
    job = get_object_or_404(Job, pk=job_id, structure=structure)
    try:
        worker = _posted_worker(request, structure, "worker")
        if worker is None:
            raise InsertionError(_("Choisissez une personne de la structure."))
        proposal = _proposal_of(structure, job)
        if request.POST.get("confirm") != "1":
            return _confirm_unassign(request, structure, job, worker, proposal=proposal)
        if proposal is not None:
            actions.unassign_in_proposal(proposal=proposal, job=job, worker=worker, by=request.user)
        else:
            assignment = Assignment.objects.filter(job=job, worker=worker).first()
            if assignment is None:
                raise InsertionError(_("Cette personne n'est pas sur cette intervention."))
            actions.unassign_worker(assignment=assignment, by=request.user)
    except InsertionError as error:
        return _after_change(request, structure, job, error=error.message)
    return _after_change(
        request, structure, job, done=_("%(worker)s retiré·e de %(job)s.") % {"worker": worker.full_name,
                                                                             "job": _job_name(job)}
    )  # fmt: skip


def _job_name(job: Job) -> str:
    return f"{job.title} ({date_format(job.date, 'l j F')}, {job.start_time:%H:%M})"


def picker(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    """Who may take a seat of this job: the eligible people first, then the others each with the reason.

    Nothing is preselected: the supervisor picks a name, the server checks again when it is posted.
    """
    structure = perms.structure_for_planning_or_404(request.user, slug)
    job = get_object_or_404(Job, pk=job_id, structure=structure)
    state = selectors.week_state(structure, monday_of(job.date))
    if job.pk not in state.jobs:
        raise Http404
    replacing = None
    raw = request.GET.get("remplace", "")
    if raw.isdigit() and int(raw) in state.seats[job.pk]:
        replacing = int(raw)
    eligible, ineligible, assigned = [], [], []
    for worker, facts in state.workers:
        if worker.pk in state.seats[job.pk]:
            assignment = state.assignments.get((job.pk, worker.pk))
            assigned.append((worker, assignment if state.proposal is None or not job.is_open else None))
            continue
        broken = state.refusal(facts, job.pk, replacing=replacing)
        hours = f"{format_hours(state.planned_centi(worker.pk))[:-2]} / {format_hours(facts.cap_centi(state.days))}"
        (ineligible if broken else eligible).append((worker, broken, hours))
    replaced = next((worker for worker, _assignment in assigned if worker.pk == replacing), None)
    context = {
        "structure": structure,
        "job": job,
        "state": state,
        "eligible": eligible,
        "ineligible": ineligible,
        "assigned": assigned,
        "replacing": replaced,
        "missing": max(0, job.headcount - len(state.seats[job.pk])),
        "week": format_week(state.monday),
        "reason": (state.proposal.summary.get("unassigned", {}).get(str(job.pk), "") if state.proposal else ""),
    }
    template = "insertion/_picker.html" if request.htmx else "insertion/picker.html"
    return render(request, template, context)


@require_POST
def lock(request: HttpRequest, slug: str, assignment_id: int) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    assignment = _assignment(structure, assignment_id)
    actions.set_assignment_lock(assignment=assignment, locked=request.POST.get("locked") == "1", by=request.user)
    return _after_change(request, structure, assignment.job)


def _assignment(structure, assignment_id: int) -> Assignment:
    return get_object_or_404(Assignment.objects.select_related("job"), pk=assignment_id, job__structure=structure)


@require_POST
def unassign(request: HttpRequest, slug: str, assignment_id: int) -> HttpResponse:
    """The same as `unassign_seat` for one assignment: asked first, only a POST with `confirm=1` acts."""
    structure = perms.structure_for_planning_or_404(request.user, slug)
    assignment = _assignment(structure, assignment_id)
    if request.POST.get("confirm") != "1":
        worker = Worker.objects.get(pk=assignment.worker_id)
        url = reverse("insertion:unassign", args=[structure.slug, assignment.pk])
        return _confirm_unassign(request, structure, assignment.job, worker, proposal=None, action_url=url)
    try:
        actions.unassign_worker(assignment=assignment, by=request.user)
    except InsertionError as error:
        return _after_change(request, structure, assignment.job, error=error.message)
    return _after_change(request, structure, assignment.job)


@require_POST
def plan(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    """Run the planner; its proposal is kept (a reload shows it) but nothing is assigned until it is accepted."""
    structure = perms.structure_for_planning_or_404(request.user, slug)
    actions.propose_plan(structure=structure, monday=monday, by=request.user)
    messages.info(request, _("Proposition prête : vérifiez-la, corrigez-la si besoin, puis acceptez-la ou écartez-la."))
    return redirect(_board_url(structure, monday))


def _id(value: int) -> int:
    """A row id in PostgreSQL's integer range."""
    if not 0 < value < 2**31:
        raise ValueError(value)
    return value


@require_POST
def accept(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    try:
        created = actions.accept_proposal(structure=structure, monday=monday, by=request.user)
    except InsertionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Planning accepté : %(count)d affectation(s).") % {"count": len(created)})
    return redirect(_board_url(structure, monday))


@require_POST
def discard(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    if actions.discard_proposal(structure=structure, monday=monday, by=request.user):
        messages.success(request, _("Proposition écartée : le planning reste tel qu'il était."))
    return redirect(_board_url(structure, monday))


# Workers -------------------------------------------------------------------------------------


def workers(request: HttpRequest, slug: str) -> HttpResponse:
    """Supervisors see the team list; the accountant the same names with hours only."""
    structure = perms.structure_for_hours_or_404(request.user, slug)
    full = perms.can_view_workers(request.user, structure)
    monday = monday_of(timezone.localdate())
    # The real assignments' hours, not a pending proposal's.
    lines = selectors.board(structure, monday, state=selectors.week_state(structure, monday, proposal=None)).workers
    return render(request, "insertion/workers.html", {"structure": structure, "lines": lines, "full": full})


def worker_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    structure = perms.structure_for_hours_or_404(request.user, slug)
    worker = get_object_or_404(Worker.objects.select_related("team", "structure"), pk=pk, structure=structure)
    if not perms.can_view_worker_hours(request.user, worker):
        raise Http404
    full = perms.can_view_worker(request.user, worker)
    today = timezone.localdate()
    context = {
        "structure": structure,
        "worker": worker,
        "full": full,
        "month_hours": reports.worker_month_hours(worker, today.year, today.month),
    }
    if full:
        context.update(
            contracts=worker.contracts.select_related("exit"),
            approvals=worker.approvals.prefetch_related("suspensions"),
            absences=worker.absences.all(),
            skills=worker.worker_skills.select_related("skill"),
            awaiting_exit=list(worker.contracts.awaiting_exit(today)),
        )
    return render(request, "insertion/worker.html", context)


def record_exit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The exit of a worker whose last contract has ended (or ends early): form, confirmation, record.

    Supervisors and managers of the structure only. A POST without `confirm=1` shows what will be
    recorded; a refusal (form or rule) re-renders the form with a French message and changes nothing.
    """
    structure = perms.structure_for_workers_or_404(request.user, slug)
    worker = get_object_or_404(Worker, pk=pk, structure=structure)
    today = timezone.localdate()
    # The contracts an exit may go on: the worker's last one, without an exit yet (ended or not).
    contracts = worker.contracts.filter(exit__isnull=True).last_of_worker()
    form = forms.ExitForm(request.POST or None, contracts=contracts, initial=_exit_initial(contracts))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if request.POST.get("confirm") != "1":
                context = {"structure": structure, "worker": worker, "form": form, "data": data,
                           "category": ExitCategory(EXIT_CATEGORY_OF[data["reason"]]).label,
                           "reason": ExitReason(data["reason"]).label}  # fmt: skip
                return render(request, "insertion/exit_confirm.html", context)
            try:
                actions.record_exit(
                    contract=data["contract"], reason=data["reason"], date=data["date"], note=data["note"],
                    by=request.user, today=today,
                )  # fmt: skip
            except InsertionError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Sortie de %(name)s enregistrée.") % {"name": worker.full_name})
                return redirect("insertion:worker", structure.slug, worker.pk)
        status = 400
    context = {"structure": structure, "worker": worker, "form": form, "has_contract": contracts.exists()}
    return render(request, "insertion/exit_form.html", context, status=status)


def _exit_initial(contracts) -> dict:
    contract = contracts.order_by("-end_date").first()
    return {"contract": contract, "date": contract.end_date if contract else None}


def exits(request: HttpRequest, slug: str) -> HttpResponse:
    """Exits over a period (the calendar year by default) by category, with the rates the DREETS asks for."""
    structure = perms.structure_for_workers_or_404(request.user, slug)
    today = timezone.localdate()
    start = date_param(request, "du", default=datetime.date(today.year, 1, 1))
    end = date_param(request, "au", default=datetime.date(today.year, 12, 31))
    if end < start:
        raise InvalidParameter(_("La fin de la période ne peut pas précéder son début."))
    report = reports.exit_report(structure, start, end)
    counts = report.counts
    categories = [(category.label, counts[category], report.rate(category)) for category in ExitCategory]
    context = {"structure": structure, "report": report, "categories": categories, "start": start, "end": end,
               "awaiting": Contract.objects.filter(worker__structure=structure).awaiting_exit(today)
               .select_related("worker").order_by("end_date")}  # fmt: skip
    return render(request, "insertion/exits.html", context)


# The monthly IAE return ------------------------------------------------------------------------


def iae_return_latest(request: HttpRequest, slug: str) -> HttpResponse:
    """The month to declare: the one before the current month."""
    structure = perms.structure_for_workers_or_404(request.user, slug)
    last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return redirect("insertion:iae_return", structure.slug, last.year, last.month)


def iae_return(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    """The month's figures in the order of the ASP's statement, the blockers first; `?format=csv` to download."""
    structure = perms.structure_for_workers_or_404(request.user, slug)
    data = iae_returns.monthly_return(structure, year, month, today=timezone.localdate())
    if request.GET.get("format") == "csv":
        rows = [iae_returns.csv_cells(row) for row in data.rows]
        filename = f"{structure.slug}-etat-mensuel-iae-{year}-{month:02d}.csv"
        return csv_response(filename, iae_returns.csv_header(), rows)
    previous = data.start - datetime.timedelta(days=1)
    following = data.end + datetime.timedelta(days=1)
    context = {
        "structure": structure,
        "data": data,
        "kinds": AbsenceKind.choices,
        "previous": previous if previous.year >= MIN_YEAR else None,
        "following": following if following.year <= MAX_YEAR else None,
        "section": "iae_return",
        "today": timezone.localdate(),
    }
    return render(request, "insertion/iae_return.html", context)


# Hours, timesheets, FTE --------------------------------------------------------------------


def hours(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    structure = perms.structure_for_hours_or_404(request.user, slug)
    rows = reports.monthly_hours(structure, year, month)
    fte = reports.fte(structure, datetime.date(year, month, 1), reports.month_end(year, month))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{structure.slug}-heures-{year}-{month:02d}.csv"'
        writer = spreadsheet.writer(response, delimiter=";")
        writer.writerow([_("Nom"), _("Prénom"), _("Heures prévues"), _("Heures réalisées"), _("Heures validées")])
        for row in rows:
            writer.writerow(
                [row.worker.last_name, row.worker.first_name, _fr(row.planned), _fr(row.actual), _fr(row.validated)]
            )
        writer.writerow([_("Total structure"), "", _fr(sum(r.planned for r in rows)), _fr(sum(r.actual for r in rows)),
                         _fr(sum(r.validated for r in rows))])  # fmt: skip
        writer.writerow([_("ETP"), "", "", "", _fr(fte)])
        return response
    context = {
        "structure": structure,
        "rows": rows,
        "fte": fte,
        "year": year,
        "month": month,
        "month_start": datetime.date(year, month, 1),
        "activities": reports.hours_per_activity(structure, year, month),
    }
    return render(request, "insertion/hours.html", context)


def _fr(value) -> str:
    return f"{value:.2f}".replace(".", ",")


def timesheet(request: HttpRequest, slug: str, day: datetime.date) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    date = day
    status = 200
    if request.method == "POST":
        try:
            if "validate" in request.POST:
                count = actions.validate_timesheets(structure=structure, start=date, end=date, by=request.user)
                messages.success(request, _("%(count)d relevé(s) validé(s).") % {"count": count})
            else:
                actions.record_day_hours(day=date, hours=_typed_hours(request, structure), by=request.user)
                messages.success(request, _("Heures enregistrées."))
        except InsertionError as error:
            messages.error(request, error.message)
            status = 400
        else:
            return redirect("insertion:timesheet", structure.slug, date.isoformat())
    entries = actions.prefill_timesheets(structure=structure, day=date)
    context = {
        "structure": structure,
        "date": date,
        "lines": reports.timesheet_lines(structure, date, entries),
        "has_entries": bool(entries),
        "can_validate": actions.timesheet_can_be_validated(date, today=timezone.localdate()),
        "next_day": date + datetime.timedelta(days=1),
    }
    return render(request, "insertion/timesheet.html", context, status=status)


def _typed_hours(request: HttpRequest, structure) -> dict[Worker, Decimal]:
    """Every typed cell, read before any is saved: one bad cell refuses the whole form."""
    hours = {}
    for worker in Worker.objects.for_structure(structure):
        value = request.POST.get(f"hours-{worker.pk}")
        if value in (None, ""):
            continue
        try:
            hours[worker] = reports.parse_hours(value)
        except ValueError:
            raise TimesheetRefused(
                _(
                    "Heures de %(name)s : « %(value)s » n'est pas valide. Indiquez de 0 à %(max)s heures par jour, "
                    "deux décimales au plus (7,5 par exemple)."
                )
                % {"name": worker.full_name, "value": value[:20], "max": f"{MAX_DAY_HOURS:g}"}
            ) from None
    return hours
