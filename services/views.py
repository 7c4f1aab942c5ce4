from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from hub import perms
from hub.models import Structure
from services import catalogue_cache
from services.forms import CatalogueFilterForm
from services.models import Offering

PAGE_SIZE = 24


def _shows_prices_excl_vat(user) -> bool:
    """Organisation members buy B2B: they see prices excl. and incl. VAT."""
    return perms.is_member_of_an_organisation(user)


def catalogue(request: HttpRequest) -> HttpResponse:
    structures = list(Structure.objects.active().sellers().only("slug", "name").order_by("position", "name"))
    form = CatalogueFilterForm(request.GET or None, structures=structures)
    show_excl = _shows_prices_excl_vat(request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    page_number = request.GET.get("page", "1")
    key = (tuple(sorted(filters.items())), page_number, get_language(), show_excl, Offering.objects.catalogue_version())
    grid = catalogue_cache.get(key)
    if grid is None:
        grid = render_to_string("services/_offering_grid.html", _grid_context(request, filters, show_excl))
        catalogue_cache.put(key, grid)
    # The cached grid holds a placeholder where each add-to-cart form needs this request's token.
    grid = mark_safe(grid.replace(catalogue_cache.CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 — our own HTML
    if request.htmx:
        return HttpResponse(grid)
    return render(request, "services/catalogue.html", {"form": form, "grid": grid})


def _grid_context(request: HttpRequest, filters: dict, show_excl: bool) -> dict:
    offerings = Offering.objects.cards()
    if filters.get("kind"):
        offerings = offerings.filter(kind=filters["kind"])
    if filters.get("structure"):
        offerings = offerings.filter(structure__slug=filters["structure"])
    if filters.get("audience"):
        offerings = offerings.for_audience(filters["audience"])
    offerings = offerings.search(filters.get("q") or "")
    page = Paginator(offerings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": page,
        "query": query.urlencode(),
        "show_excl": show_excl,
        "csrf_token": catalogue_cache.CSRF_PLACEHOLDER,
    }


def offering_detail(request: HttpRequest, slug: str) -> HttpResponse:
    offering = get_object_or_404(Offering.objects.active().select_related("structure"), slug=slug)
    return render(
        request,
        "services/offering_detail.html",
        {"offering": offering, "show_excl": _shows_prices_excl_vat(request.user)},
    )
