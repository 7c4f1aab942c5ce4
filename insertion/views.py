"""The supervisor's board and the insertion pages. Thin: check `perms` (404 for anyone else, anonymous
visitors included: no login redirect reveals that a page exists), call, render.

htmx requests get the fragment they replace; plain requests a redirect with a message, so the
board also works without JavaScript.
"""

import datetime
import json
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub import spreadsheet
from hub.models import Structure
from hub.params import InvalidParameter
from insertion import actions, perms, reports, selectors
from insertion.alerts import alerts_for
from insertion.exceptions import InsertionError, TimesheetRefused
from insertion.jobs import sync_jobs
from insertion.models import MAX_DAY_HOURS, Assignment, Job, JobAlert, Worker
from insertion.planner import plan_week
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
    context = {"rows": rows, "next_week": next_week, "today": timezone.localdate()}
    return render(request, "insertion/index.html", context)


def structure_home(request: HttpRequest, slug: str) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    return redirect(_board_url(structure, monday_of(timezone.localdate())))


def board(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    return render(request, "insertion/board.html", _board_context(structure, monday))


def _board_context(structure, monday, **extra) -> dict:
    data = selectors.board(structure, monday)
    workers = [line.worker for line in data.workers]
    return {
        "structure": structure,
        "board": data,
        "workers": workers,
        "week": format_week(monday),
        "previous_week": format_week(monday - datetime.timedelta(days=7)),
        "next_week": format_week(monday + datetime.timedelta(days=7)),
        "alerts": alerts_for(structure, today=timezone.localdate()),
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


def _after_change(request, structure, job: Job, *, error: str = "") -> HttpResponse:
    """htmx: the whole board again (hours per worker change too), the refusal shown on the job's card."""
    if request.htmx:
        context = _board_context(structure, monday_of(job.date), error=error, error_job=job.pk)
        return render(request, "insertion/board.html", context)
    if error:
        messages.error(request, error)
    return redirect(_board_url(structure, monday_of(job.date)) + f"#job-{job.pk}")


@require_POST
def assign(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    job = get_object_or_404(Job, pk=job_id, structure=structure)
    try:
        worker = Worker.objects.for_structure(structure).get(pk=int(request.POST.get("worker", "")))
    except (ValueError, Worker.DoesNotExist):
        return _after_change(request, structure, job, error=_("Choisissez une personne de la structure."))
    try:
        actions.assign_worker(job=job, worker=worker, by=request.user)
    except InsertionError as error:
        return _after_change(request, structure, job, error=error.message)
    return _after_change(request, structure, job)


def _assignment(structure, assignment_id: int) -> Assignment:
    return get_object_or_404(Assignment.objects.select_related("job"), pk=assignment_id, job__structure=structure)


@require_POST
def unassign(request: HttpRequest, slug: str, assignment_id: int) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    assignment = _assignment(structure, assignment_id)
    try:
        actions.unassign_worker(assignment=assignment, by=request.user)
    except InsertionError as error:
        return _after_change(request, structure, assignment.job, error=error.message)
    return _after_change(request, structure, assignment.job)


@require_POST
def lock(request: HttpRequest, slug: str, assignment_id: int) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    assignment = _assignment(structure, assignment_id)
    actions.set_assignment_lock(assignment=assignment, locked=request.POST.get("locked") == "1", by=request.user)
    return _after_change(request, structure, assignment.job)


@require_POST
def plan(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    """Run the planner and show its proposal; nothing is saved until the supervisor accepts it."""
    structure = perms.structure_for_planning_or_404(request.user, slug)
    result = plan_week(structure=structure, monday=monday)
    jobs = {job.pk: job for job in selectors.week_jobs(structure, monday)}
    workers = {worker.pk: worker for worker in Worker.objects.for_structure(structure)}
    proposal: dict[int, list[Worker]] = {}
    for job_id, worker_id in result.pairs:
        proposal.setdefault(job_id, []).append(workers[worker_id])
    rows = [
        (jobs[job_id], names) for job_id, names in sorted(proposal.items(), key=lambda item: _job_key(jobs[item[0]]))
    ]
    context = {
        "structure": structure,
        "week": format_week(monday),
        "plan": result,
        "rows": rows,
        "unassigned": [(jobs[item.job_id], item) for item in result.unassigned],
        "pairs": json.dumps(result.pairs),
    }
    template = "insertion/_proposal.html" if request.htmx else "insertion/proposal.html"
    return render(request, template, context)


def _job_key(job: Job):
    return (job.date, job.start_time, job.pk)


def _parse_pairs(raw: str) -> list[tuple[int, int]]:
    """The proposal's `[[job id, worker id], …]` as sent back by the form; anything else is a 400."""
    try:
        pairs = json.loads(raw)
        if not isinstance(pairs, list):
            raise TypeError(raw)
        parsed = [(_id(job_id), _id(worker_id)) for job_id, worker_id in pairs]
    except (TypeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise InvalidParameter(_("La proposition envoyée n'est pas valide : relancez la planification.")) from None
    return parsed


def _id(value) -> int:
    """A row id: a JSON integer (not a float, a string or a boolean) in PostgreSQL's integer range."""
    if type(value) is not int or not 0 < value < 2**31:
        raise ValueError(value)
    return value


@require_POST
def accept(request: HttpRequest, slug: str, monday: datetime.date) -> HttpResponse:
    structure = perms.structure_for_planning_or_404(request.user, slug)
    pairs = _parse_pairs(request.POST.get("pairs", "[]"))
    try:
        created = actions.accept_plan(structure=structure, monday=monday, pairs=pairs, by=request.user)
    except InsertionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Planning accepté : %(count)d affectation(s).") % {"count": len(created)})
    response = redirect(_board_url(structure, monday))
    if request.htmx:
        response = HttpResponse(status=204, headers={"HX-Redirect": _board_url(structure, monday)})
    return response


# Workers -------------------------------------------------------------------------------------


def workers(request: HttpRequest, slug: str) -> HttpResponse:
    """Supervisors see the team list; the accountant the same names with hours only."""
    structure = perms.structure_for_hours_or_404(request.user, slug)
    full = perms.can_view_workers(request.user, structure)
    monday = monday_of(timezone.localdate())
    lines = selectors.board(structure, monday).workers
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
            contracts=worker.contracts.all(),
            approvals=worker.approvals.prefetch_related("suspensions"),
            absences=worker.absences.all(),
            skills=worker.worker_skills.select_related("skill"),
        )
    return render(request, "insertion/worker.html", context)


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
