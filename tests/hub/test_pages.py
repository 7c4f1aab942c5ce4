import pytest
from django.urls import reverse

from hub.enums import LegalPageKind
from tests.hub.factories import LegalPageFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", LegalPageKind.values)
def test_legal_pages_show_the_admins_text(client, kind):
    page = LegalPageFactory(kind=kind)  # the hub's page of that kind, as the admins last wrote it
    page.body = "Premier paragraphe.\n\nSecond paragraphe."
    page.save()
    response = client.get(reverse("hub:legal_page", args=[kind]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{page.title}</h1>" in html
    assert "<p>Premier paragraphe.</p>" in html
    assert "<p>Second paragraphe.</p>" in html


def test_unknown_legal_page_is_404(client):
    assert client.get("/pages/nimporte-quoi/").status_code == 404


def test_missing_legal_page_says_so(client):
    LegalPageFactory(kind=LegalPageKind.PRIVACY).delete()
    response = client.get(reverse("hub:legal_page", args=[LegalPageKind.PRIVACY]))
    assert response.status_code == 200
    assert "pas encore été rédigée" in response.content.decode()


def test_language_switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
