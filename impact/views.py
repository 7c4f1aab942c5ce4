"""The impact dashboard (`/impact/`: the hub for its admins, a structure for its managers and accountants),
its CSV and PDF, and the public yearly activity report (`/rapport-activite/<year>/`, no login)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounting.exports import csv_response
from hub.models import Structure
from hub.params import MIN_YEAR, InvalidParameter, parse_year
from hub.views import rendered_pdf
from impact import charts, exports, figures, perms
from insertion.enums import ExitCategory

MONTHS = [
    (1, _lazy("janvier")), (2, _lazy("février")), (3, _lazy("mars")), (4, _lazy("avril")), (5, _lazy("mai")), (6, _lazy("juin")),
    (7, _lazy("juillet")), (8, _lazy("août")), (9, _lazy("septembre")), (10, _lazy("octobre")), (11, _lazy("novembre")),
    (12, _lazy("décembre")),
]  # fmt: skip
SLUG_MAX_LENGTH = 60


def parse_month(raw: str) -> int | None:
    """'' → the whole year; '1' to '12' → that month; anything else a French 400."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= 12):
        raise InvalidParameter(
            _("Le mois « %(value)s » n'est pas valide : indiquez un mois de 1 à 12.") % {"value": raw[:10]}
        )
    return int(raw)


def _selection(request: HttpRequest) -> tuple[figures.Period, Structure | None, list[Structure]]:
    """The period and the structure asked for (None: the whole hub), and the structures the person may
    choose. 404 for whoever reads no figures, or a structure that is not theirs."""
    user = request.user
    if not perms.can_open_dashboard(user):
        raise Http404
    period = figures.Period(
        parse_year(request.GET.get("annee", ""), default=timezone.localdate().year),
        parse_month(request.GET.get("mois", "")),
    )
    choices = list(perms.structures_with_impact(user))
    slug = request.GET.get("structure", "")
    if not slug:
        if perms.can_view_hub_impact(user):
            return period, None, choices
        return period, choices[0], choices
    structure = next((choice for choice in choices if choice.slug == slug[:SLUG_MAX_LENGTH]), None)
    if structure is None:
        raise Http404
    return period, structure, choices


def _charts(summary: figures.Summary) -> list[charts.BarChart]:
    label = figures.activity_label
    return [
        charts.bar_chart(
            "revenue",
            _("Chiffre d'affaires HT par activité"),
            [(label(key), value) for key, value in summary.revenue.items()],
            money=True,
        ),
        charts.bar_chart(
            "hours",
            _("Heures d'insertion validées par activité"),
            [(label(key), value) for key, value in summary.hours.items()],
            unit="h",
        ),
        charts.bar_chart(
            "fte",
            _("ETP prévus (contrats) et réalisés (heures validées)"),
            [(_("Prévus"), summary.fte.planned), (_("Réalisés"), summary.fte.done)],
            unit=_("ETP"),
        ),
    ]


def _context(request: HttpRequest) -> dict:
    period, structure, choices = _selection(request)
    summary = figures.summary(period, structure)
    this_year = timezone.localdate().year
    return {
        "summary": summary,
        "exit_rows": [
            (ExitCategory(category).label, count) for category, count in summary.people.exit_categories.items()
        ],
        "period": period,
        "structure": structure,
        "structures": choices,
        "hub_allowed": perms.can_view_hub_impact(request.user),
        "charts": _charts(summary),
        "months": MONTHS,
        "years": list(range(this_year, max(MIN_YEAR, this_year - 9) - 1, -1)),
        "activity_rows": [
            {
                "label": figures.activity_label(key),
                "revenue": summary.revenue.get(key, figures.ZERO),
                "hours": summary.hours.get(key, figures.ZERO),
                "per_hour": summary.revenue_per_hour.get(key),
            }
            for key in summary.activities
        ],
        "query": request.GET.urlencode(),
        "scope_name": structure.name if structure else _("Tout le pôle"),
        "period_name": _period_name(period),
    }


def _period_name(period: figures.Period) -> str:
    if period.month is None:
        return str(period.year)
    return f"{dict(MONTHS)[period.month]} {period.year}"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "impact/dashboard.html", _context(request))


def _filename(context: dict, extension: str) -> str:
    period = context["period"]
    scope = context["structure"].slug if context["structure"] else "pole"
    month = f"-{period.month:02d}" if period.month else ""
    return f"impact-{scope}-{period.year}{month}.{extension}"


@login_required
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    return csv_response(_filename(context, "csv"), exports.HEADER, exports.rows(context["summary"]))


@login_required
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    context["rows"] = list(exports.rows(context["summary"]))
    context["generated_at"] = timezone.localtime()
    html = render_to_string("impact/report_pdf.html", context)
    return rendered_pdf(
        request,
        html,
        folder="impact",
        filename=_filename(context, "pdf"),
        back_url=reverse("impact:dashboard") + (f"?{context['query']}" if context["query"] else ""),
    )


def public_report_latest(request: HttpRequest) -> HttpResponse:
    """The last full year's report."""
    return redirect("impact:public_report", year=timezone.localdate().year - 1)


def public_report(request: HttpRequest, year: int) -> HttpResponse:
    this_year = timezone.localdate().year
    if year > this_year:
        raise Http404
    report = figures.public_report(year)
    label = figures.activity_label
    context = {
        "report": report,
        "year": year,
        "years": list(range(this_year, max(MIN_YEAR, this_year - 9) - 1, -1)),
        "charts": [
            charts.bar_chart(
                "revenue",
                _("Chiffre d'affaires HT par activité"),
                [(label(key), value) for key, value in report.revenue.items()],
                unit="€",
                places=0,
            )
        ]
        + (
            [
                charts.bar_chart(
                    "hours",
                    _("Heures de travail en insertion par activité"),
                    [(label(key), value) for key, value in report.hours.items()],
                    unit="h",
                    places=0,
                )
            ]
            if report.hours is not None
            else []
        ),
        "labels": {key: label(key) for key in figures.ACTIVITY_ORDER},
    }
    return render(request, "impact/public_report.html", context)
