from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from hub.enums import LegalPageKind
from hub.models import LegalPage, Structure


def home(request: HttpRequest) -> HttpResponse:
    structures = Structure.objects.active().order_by("position", "name")
    return render(request, "hub/home.html", {"structures": structures})


def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in LegalPageKind.values:
        raise Http404
    page = LegalPage.objects.filter(kind=kind).first()
    return render(request, "hub/legal_page.html", {"page": page, "kind": LegalPageKind(kind)})
