"""The tax certificates' pages: the client's own (« Mes attestations fiscales »), each one's PDF, and the
provider's list per year with the issuing of the missing ones (confirmed first: it e-mails every client)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Structure
from hub.views import rendered_pdf
from sap import actions, certificates, perms
from sap.exceptions import SapError
from sap.models import TaxCertificate

MAX_ID = 2**31 - 1
PAGE_LIMIT = 500


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    rows = TaxCertificate.objects.filter(customer=request.user).select_related("structure").order_by("-year", "pk")
    return render(request, "sap/my_certificates.html", {"certificates": list(rows)})


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = TaxCertificate.objects.select_related("structure").filter(pk=pk).first() if pk <= MAX_ID else None
    if certificate is None or not (
        certificate.customer_id == request.user.pk or perms.can_manage_certificates(request.user, certificate.structure)
    ):
        raise Http404
    back = (
        reverse("sap:my_certificates")
        if certificate.customer_id == request.user.pk
        else reverse("sap:structure_certificates", args=[certificate.structure.slug])
    )
    return rendered_pdf(
        request,
        certificate.html,
        folder="tax-certificates",
        filename=f"attestation-fiscale-{certificate.year}-{certificate.number}.pdf",
        back_url=back,
    )


def _structure_or_404(user, slug: str) -> Structure:
    structure = Structure.objects.filter(slug=slug[:50]).exclude(sap_declaration_number="").first()
    if structure is None or not perms.can_manage_certificates(user, structure):
        raise Http404
    return structure


def _year(request: HttpRequest) -> int:
    last = timezone.localdate().year - 1
    value = request.GET.get("annee", "")
    if value.isdigit() and 2000 <= int(value) <= last:
        return int(value)
    return last


@login_required
def structure_certificates(request: HttpRequest, slug: str) -> HttpResponse:
    structure = _structure_or_404(request.user, slug)
    year = _year(request)
    issued = list(
        TaxCertificate.objects.filter(structure=structure, year=year).order_by("customer_name", "pk")[:PAGE_LIMIT]
    )
    done = {certificate.customer_id for certificate in issued}
    missing = [figures for figures in certificates.figures_for_year(structure, year) if figures.customer_id not in done]
    last = timezone.localdate().year - 1
    context = {
        "structure": structure,
        "year": year,
        "years": list(range(last, max(last - 5, 1999), -1)),
        "certificates": issued,
        "missing": len(missing),
    }
    return render(request, "sap/structure_certificates.html", context)


@login_required
def issue_certificates(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: how many certificates will be issued and e-mailed; POST (confirmed): issue them."""
    structure = _structure_or_404(request.user, slug)
    year = _year(request)
    back = reverse("sap:structure_certificates", args=[structure.slug]) + f"?annee={year}"
    if request.method == "POST":
        try:
            issued = actions.issue_tax_certificates(year=year, structure=structure)
        except SapError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(count)s attestation(s) émise(s) et envoyée(s).") % {"count": len(issued)})
        return redirect(back)
    done = set(TaxCertificate.objects.filter(structure=structure, year=year).values_list("customer_id", flat=True))
    missing = [figures for figures in certificates.figures_for_year(structure, year) if figures.customer_id not in done]
    context = {"structure": structure, "year": year, "missing": missing, "back": back}
    return render(request, "sap/issue_confirm.html", context)
