from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from hub import perms
from hub.models import Structure
from services.forms import CatalogueFilterForm
from services.models import Offering

PAGE_SIZE = 24


def _shows_prices_excl_vat(user) -> bool:
    """Organisation members buy B2B: they see prices excl. and incl. VAT."""
    return bool(perms.organisation_roles(user))


def catalogue(request: HttpRequest) -> HttpResponse:
    structures = list(Structure.objects.active().sellers().only("slug", "name").order_by("position", "name"))
    form = CatalogueFilterForm(request.GET or None, structures=structures)
    offerings = Offering.objects.for_catalogue()
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            offerings = offerings.filter(kind=data["kind"])
        if data["structure"]:
            offerings = offerings.filter(structure__slug=data["structure"])
        if data["audience"]:
            offerings = offerings.for_audience(data["audience"])
        offerings = offerings.search(data["q"] or "")
    page = Paginator(offerings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "show_excl": _shows_prices_excl_vat(request.user),
    }
    template = "services/_offering_grid.html" if request.htmx else "services/catalogue.html"
    return render(request, template, context)


def offering_detail(request: HttpRequest, slug: str) -> HttpResponse:
    offering = get_object_or_404(Offering.objects.active().select_related("structure"), slug=slug)
    return render(
        request,
        "services/offering_detail.html",
        {"offering": offering, "show_excl": _shows_prices_excl_vat(request.user)},
    )
