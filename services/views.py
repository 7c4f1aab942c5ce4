import re
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from hub import perms
from hub.models import Site, Structure
from services import catalogue_cache
from services.enums import OfferingKind
from services.forms import CatalogueFilterForm
from services.models import Offering

PAGE_SIZE = 24
# A page number as the pagination links write it, or with leading zeros (read as the same page).
PAGE_NUMBER = re.compile(r"[0-9]{1,9}")


def _shows_prices_excl_vat(user) -> bool:
    """Organisation members buy B2B: they see prices excl. and incl. VAT."""
    return perms.is_member_of_an_organisation(user)


def catalogue(request: HttpRequest) -> HttpResponse:
    structures = list(Structure.objects.active().sellers().only("slug", "name").order_by("position", "name"))
    form = CatalogueFilterForm(request.GET or None, structures=structures)
    show_excl = _shows_prices_excl_vat(request.user)
    # Only the cleaned filters and the page number reach the cache key and the pagination links: any
    # other parameter a visitor adds (utm=, markup…) is dropped, and page=1, 01 and 001 are one page.
    filters = {name: value for name, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    page_number = _page_number(request.GET.get("page", ""))
    key = (tuple(filters.items()), page_number, get_language(), show_excl, Offering.objects.catalogue_version())
    grid = catalogue_cache.get(key)
    if grid is None:  # a page past the last one is a 404 here, before anything is stored
        grid = render_to_string("services/_offering_grid.html", _grid_context(filters, page_number, show_excl))
        catalogue_cache.put(key, grid)
    # The cached grid holds a placeholder where each add-to-cart form needs this request's token.
    grid = mark_safe(grid.replace(catalogue_cache.CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 — our own HTML
    if request.htmx:
        return HttpResponse(grid)
    return render(request, "services/catalogue.html", {"form": form, "grid": grid})


def _page_number(raw: str) -> int:
    """'2', '02' → 2; no page → 1; anything else (0, -1, abc, 1.5) is a 404, as a page past the last."""
    if not raw:
        return 1
    if not PAGE_NUMBER.fullmatch(raw) or int(raw) < 1:
        raise Http404
    return int(raw)


def _grid_context(filters: dict, page_number: int, show_excl: bool) -> dict:
    offerings = Offering.objects.cards()
    if filters.get("kind"):
        offerings = offerings.filter(kind=filters["kind"])
    if filters.get("structure"):
        offerings = offerings.filter(structure__slug=filters["structure"])
    if filters.get("audience"):
        offerings = offerings.for_audience(filters["audience"])
    offerings = offerings.search(filters.get("q") or "")
    try:
        page = Paginator(offerings, PAGE_SIZE).page(page_number)
    except EmptyPage:
        raise Http404 from None
    return {
        "page": page,
        "query": urlencode(filters),
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


# Offerings customers fetch or hand over at a pickup point: their structure's page lists those points.
PICKED_UP_KINDS = {OfferingKind.BASKET, OfferingKind.GOODS, OfferingKind.LAUNDRY}


def structure_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A structure's shopfront: what it does, what it sells (active offerings only), its places and hours.

    Public, and holds no personal data: the structure's own contact details and places only."""
    structure = get_object_or_404(Structure.objects.active().of_the_hub(), slug=slug)
    offerings = list(Offering.objects.cards().filter(structure=structure))
    sites = list(Site.objects.filter(structure=structure, is_active=True).order_by("name"))
    pickup_points = []
    if any(offering.kind in PICKED_UP_KINDS for offering in offerings):
        pickup_points = [
            site for site in Site.objects.pickup_points().order_by("name") if site.structure_id != structure.pk
        ]
    context = {
        "structure": structure,
        "offerings": offerings,
        "sites": sites,
        "pickup_points": pickup_points,
        "show_excl": _shows_prices_excl_vat(request.user),
    }
    return render(request, "services/structure.html", context)
