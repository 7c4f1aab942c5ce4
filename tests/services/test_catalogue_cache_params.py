"""The catalogue's page cache is keyed on the cleaned filters and the page number only (ADR 0005):
what a visitor adds to the address never becomes a cache entry nor another visitor's link."""

import pytest
from django.urls import reverse

from services import catalogue_cache
from services.views import PAGE_SIZE
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pages(db):
    OfferingFactory.create_batch(PAGE_SIZE + 1)


def test_unknown_parameters_make_no_entry_and_stay_out_of_the_links(client, two_pages):
    client.get(reverse("services:catalogue"), {"page": "1"})
    assert catalogue_cache.size() == 1

    response = client.get(reverse("services:catalogue") + "?page=01&utm=x%3Cscript%3E")

    grid = response.context["grid"]  # the cached part (the language switcher echoes one's own address)
    assert response.status_code == 200
    assert catalogue_cache.size() == 1
    assert 'href="?page=2" rel="next"' in grid
    assert "utm=" not in grid
    assert "script" not in grid
    # The next visitor, with no parameter at all, gets the same clean page from the cache.
    assert 'href="?page=2" rel="next"' in client.get(reverse("services:catalogue")).context["grid"]
    assert catalogue_cache.size() == 1


def test_page_1_01_and_001_share_one_entry(client, two_pages, django_assert_num_queries):
    client.get(reverse("services:catalogue"), {"page": "1"})

    for number in ("01", "001", ""):
        with django_assert_num_queries(2):  # the filter's structures and the catalogue version: a cache hit
            response = client.get(reverse("services:catalogue"), {"page": number})
        assert response.status_code == 200
    assert catalogue_cache.size() == 1


def test_links_keep_the_cleaned_filters_only(client, two_pages):
    response = client.get(reverse("services:catalogue"), {"q": "  ", "kind": "goods", "audience": "", "ref": "mail"})

    grid = response.context["grid"]
    assert "ref=mail" not in grid
    assert 'href="?kind=goods&amp;page=2" rel="next"' in grid


@pytest.mark.parametrize("number", ["0", "-1", "abc", "1.5", "2x", "9999999999", "999"])
def test_a_page_that_is_not_a_page_is_a_404_and_not_cached(client, two_pages, number):
    response = client.get(reverse("services:catalogue"), {"page": number})

    assert response.status_code == 404
    assert "<h1>Page introuvable</h1>" in response.content.decode()
    assert catalogue_cache.size() == 0
