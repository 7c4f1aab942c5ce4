from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hub import rendering
from hub.enums import LegalPageKind
from hub.models import LegalPage, Structure
from hub.params import InvalidParameter
from hub.storage import private_stored_response


def home(request: HttpRequest) -> HttpResponse:
    structures = Structure.objects.active().of_the_hub().order_by("position", "name")
    return render(request, "hub/home.html", {"structures": structures})


def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in LegalPageKind.values:
        raise Http404
    page = LegalPage.objects.filter(kind=kind).first()
    return render(request, "hub/legal_page.html", {"page": page, "kind": LegalPageKind(kind)})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (`handler400`): the parameter's French message when we raised it, JSON under /api/."""
    # Django's own refusals (too many fields, bad host…) carry English text: say it plainly instead.
    message = exception.message if isinstance(exception, InvalidParameter) else _("Cette requête n'est pas valide.")
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "invalid", "message": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


PENDING_REFRESH_SECONDS = 5


def rendered_pdf(request: HttpRequest, html: str, *, folder: str, filename: str, back_url: str) -> HttpResponse:
    """A PDF of live data (pick list, quote) rendered by a task (hub.rendering): served once it is there,
    until then a page that says so (202) and reloads itself. Never rendered in this request, unless
    Celery runs eagerly (`make run`, the tests)."""
    name = rendering.pdf_or_queue(html, folder=folder)
    if name is None:
        context = {"back_url": back_url, "refresh_seconds": PENDING_REFRESH_SECONDS}
        response = render(request, "hub/document_pending.html", context, status=202)
        response["Retry-After"] = str(PENDING_REFRESH_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return private_stored_response(name, filename=filename, content_type="application/pdf")
