"""Invoice PDFs live in the private storage, outside MEDIA_ROOT, and only their permission-checked views
serve them; a web request never renders one: it serves the stored file or says it is being prepared."""

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.files.storage import storages
from django.urls import re_path, reverse
from django.views.static import serve
from rest_framework.test import APIClient

from config.urls import urlpatterns as project_urlpatterns
from marketplace.models import Invoice
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import OrderFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings(
        "ignore:unclosed file <_io.BufferedReader name='.*/weasyprint/pdf/sRGB2014.icc'>:ResourceWarning"
    ),
]


def _serve_media(request, path):
    """What `static(MEDIA_URL, document_root=MEDIA_ROOT)` adds to config/urls.py in DEBUG."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


# The project's URLs plus the DEBUG media route, whatever DEBUG the suite runs with.
urlpatterns = [*project_urlpatterns, re_path(r"^media/(?P<path>.*)$", _serve_media)]


@pytest.fixture(autouse=True)
def roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings


@pytest.fixture
def invoice(resident, basket):
    return OrderFactory(customer=resident, items=[(basket, "1")]).invoices.get()


def _pdf_url(invoice: Invoice) -> str:
    return reverse("marketplace:invoice_pdf", args=[invoice.number])


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _get(client, url: str, **extra):
    """GET `url`, its body read into `response.body` (reading a FileResponse to its end closes its file)."""
    response = client.get(url, **extra)
    response.body = _body(response)
    return response


def test_the_buyer_gets_the_pdf_rendered_into_the_private_storage(client, resident, invoice, roots):
    client.force_login(resident)

    response = _get(client, _pdf_url(invoice))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    body = response.body
    assert body.startswith(b"%PDF-")
    stored = Path(roots.PRIVATE_MEDIA_ROOT) / "invoices" / f"{invoice.number}.pdf"
    assert stored.read_bytes() == body
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == f"invoices/{invoice.number}.pdf"
    assert not Path(roots.MEDIA_ROOT).exists()  # nothing at all under MEDIA_ROOT
    assert Path(storages["private"].path(f"invoices/{invoice.number}.pdf")).resolve() == stored.resolve()


@pytest.mark.urls(__name__)
def test_the_media_url_never_serves_an_invoice_even_with_debug_static_serving(client, resident, invoice, roots):
    client.force_login(resident)
    assert _get(client, _pdf_url(invoice)).status_code == 200  # rendered and stored

    client.logout()
    response = client.get(f"/media/invoices/{invoice.number}.pdf")

    assert response.status_code == 404
    (Path(roots.MEDIA_ROOT) / "public.txt").parent.mkdir(parents=True)
    (Path(roots.MEDIA_ROOT) / "public.txt").write_text("servi")
    served = _get(client, "/media/public.txt")  # the route itself does serve MEDIA_ROOT
    assert (served.status_code, served.body) == (200, b"servi")


def test_behind_nginx_the_file_is_handed_over_by_x_accel_redirect(client, resident, invoice, roots):
    roots.PRIVATE_MEDIA_ACCEL_REDIRECT = "/protected/"
    client.force_login(resident)

    response = client.get(_pdf_url(invoice))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/invoices/{invoice.number}.pdf"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'
    assert response.content == b""


def test_the_stored_file_is_served_without_rendering_again(client, resident, invoice, roots):
    client.force_login(resident)
    first = _get(client, _pdf_url(invoice)).body
    stored = Path(roots.PRIVATE_MEDIA_ROOT) / "invoices" / f"{invoice.number}.pdf"
    stored.write_bytes(b"%PDF-1.7 the stored original")

    again = _get(client, _pdf_url(invoice))

    assert first.startswith(b"%PDF-")
    assert again.body == b"%PDF-1.7 the stored original"


def test_when_the_render_fails_the_page_says_it_is_being_prepared(client, resident, invoice, roots, tmp_path):
    # The private storage cannot be written (its root is a file): the render cannot be stored.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    roots.PRIVATE_MEDIA_ROOT = blocked
    client.force_login(resident)

    response = client.get(_pdf_url(invoice))

    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Document en préparation" in html
    assert f"Le PDF de la pièce {invoice.number} est en cours de préparation" in html
    assert '<meta http-equiv="refresh" content="5">' in html
    assert reverse("marketplace:order", args=[invoice.order.reference]) in html
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == ""


def test_an_issued_invoice_is_rendered_as_soon_as_the_transaction_commits(
    resident, basket, roots, django_capture_on_commit_callbacks
):
    roots.INVOICE_PDF_RENDER_ON_ISSUE = True

    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(customer=resident, items=[(basket, "1")])

    invoice = order.invoices.get()
    stored = Path(roots.PRIVATE_MEDIA_ROOT) / "invoices" / f"{invoice.number}.pdf"
    assert stored.read_bytes().startswith(b"%PDF-")
    assert invoice.pdf.name == f"invoices/{invoice.number}.pdf"


# --- The API -----------------------------------------------------------------------------------


def test_the_api_serves_the_pdf_to_its_buyer_only(resident, invoice, roots):
    api = APIClient()
    url = f"/api/v1/invoices/{invoice.number}/pdf/"

    anonymous = api.get(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"

    api.force_authenticate(UserFactory())
    other = api.get(url)
    assert other.status_code == 404
    assert other.json() == {"code": "not_found", "message": "Ressource introuvable."}
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == ""

    api.force_authenticate(resident)
    mine = _get(api, url, HTTP_ACCEPT="application/pdf")
    assert mine.status_code == 200
    assert mine["Content-Type"] == "application/pdf"
    assert mine.body.startswith(b"%PDF-")


def test_the_api_answers_202_in_json_while_the_pdf_is_being_prepared(resident, invoice, roots, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    roots.PRIVATE_MEDIA_ROOT = blocked
    api = APIClient()
    api.force_authenticate(resident)

    response = api.get(f"/api/v1/invoices/{invoice.number}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "document_pending",
        "message": f"Le PDF de la pièce {invoice.number} est en préparation : réessayez dans quelques secondes.",
    }


# --- Settings and existing files ------------------------------------------------------------------


def test_a_private_root_inside_media_root_or_static_root_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    assert [e.id for e in run_checks() if e.id == "hub.E001"] == []

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media" / "private"
    assert [e.id for e in run_checks() if e.id == "hub.E001"] == ["hub.E001"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "static"
    assert [e.id for e in run_checks() if e.id == "hub.E001"] == ["hub.E001"]


def test_the_migration_moves_cached_pdfs_out_of_media_root(roots, resident, basket):
    from django.apps import apps

    migration = importlib.import_module("marketplace.migrations.0010_private_invoice_pdfs_and_bounded_billing_address")
    cached, missing = (OrderFactory(customer=resident, items=[(basket, "1")]).invoices.get() for _ in range(2))
    public = Path(roots.MEDIA_ROOT) / "invoices"
    public.mkdir(parents=True)
    (public / f"{cached.number}.pdf").write_bytes(b"%PDF-1.7 sent to the customer")
    (public / f"{cached.number}_a1b2c3.pdf").write_bytes(b"%PDF-1.7 rendered twice")
    (public / "ZZZ-1999-00001.pdf").write_bytes(b"%PDF-1.7 of another database")
    Invoice.objects.filter(pk=cached.pk).update(pdf=f"invoices/{cached.number}.pdf")
    Invoice.objects.filter(pk=missing.pk).update(pdf=f"invoices/{missing.number}.pdf")

    migration.move_cached_pdfs_to_private_storage(apps, None)

    private = Path(roots.PRIVATE_MEDIA_ROOT) / "invoices"
    assert (private / f"{cached.number}.pdf").read_bytes() == b"%PDF-1.7 sent to the customer"
    assert sorted(path.name for path in public.iterdir()) == ["ZZZ-1999-00001.pdf"]
    assert Invoice.objects.get(pk=cached.pk).pdf.name == f"invoices/{cached.number}.pdf"
    assert Invoice.objects.get(pk=missing.pk).pdf.name == ""  # rendered again on first demand


def test_the_admin_links_a_stored_pdf_to_its_checked_view(client, resident, invoice, roots):
    client.force_login(resident)
    assert _get(client, _pdf_url(invoice)).status_code == 200  # rendered and stored
    client.force_login(UserFactory(hub_admin=True))

    response = client.get(reverse("admin:marketplace_invoice_change", args=[invoice.pk]))

    assert response.status_code == 200
    assert f'<a href="{_pdf_url(invoice)}">{invoice.number}.pdf</a>' in response.content.decode()
