from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.models import Cart, Order
from tests.accounts.factories import PASSWORD, UserFactory
from tests.marketplace.factories import CartFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_visitor_cart_is_kept_in_the_session_and_merged_at_login(client, resident, tea):
    response = client.post(reverse("marketplace:cart_add", args=[tea.pk]), {"quantity": "2"})
    assert response.status_code == 302
    visitor_cart = Cart.objects.get(pk=client.session["cart_id"])
    assert visitor_cart.user is None
    own = CartFactory(user=resident, items=[(tea, "1")])
    response = client.post(reverse("account_login"), {"login": resident.email, "password": PASSWORD})
    assert response.status_code == 302
    own.refresh_from_db()
    assert [(i.offering, i.quantity) for i in own.items.all()] == [(tea, Decimal("3.000"))]
    assert not Cart.objects.filter(pk=visitor_cart.pk).exists()


def test_htmx_add_returns_a_status_fragment(client, tea):
    response = client.post(reverse("marketplace:cart_add", args=[tea.pk]), {"quantity": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "« Thé vert bio (100 g) » est dans votre panier." in html
    assert "Voir le panier (1 article)" in html


def test_adding_more_than_the_stock_is_refused_in_french(client, candle):
    response = client.post(
        reverse("marketplace:cart_add", args=[candle.pk]), {"quantity": "500"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "Il ne reste que 12 « Bougie à la cire végétale » en stock." in response.content.decode()
    assert not Cart.objects.filter(items__offering=candle).exists()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("1.5", "« Thé vert bio (100 g) » se commande en quantité entière (pièce)."), ("abc", "« abc » n'est pas une quantité."),
     ("-1", "La quantité doit être positive."), ("1000", "La quantité ne peut pas dépasser 999.")],
)  # fmt: skip
def test_bad_quantities(client, tea, quantity, message):
    response = client.post(
        reverse("marketplace:cart_add", args=[tea.pk]), {"quantity": quantity}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert message.replace("'", "&#x27;") in response.content.decode()


def test_htmx_quantity_update_and_removal(client, resident, tea):
    client.force_login(resident)
    client.post(reverse("marketplace:cart_add", args=[tea.pk]), {"quantity": "1"})
    item = Cart.objects.get(user=resident).items.get()
    response = client.post(
        reverse("marketplace:cart_update", args=[item.pk]), {"quantity": "3"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "13,80\u00a0€" in response.content.decode()
    item.refresh_from_db()
    assert item.quantity == Decimal("3")
    response = client.post(
        reverse("marketplace:cart_update", args=[item.pk]), {"action": "remove"}, HTTP_HX_REQUEST="true"
    )
    assert "Retirer « Thé vert bio (100 g) » de votre panier ?" in response.content.decode()
    assert Cart.objects.get(user=resident).items.get() == item  # asked, not removed
    response = client.post(
        reverse("marketplace:cart_update", args=[item.pk]),
        {"action": "remove", "confirm": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "Votre panier est vide." in response.content.decode()


def test_removing_a_line_asks_first_without_javascript_and_a_confirmed_post_removes_it(client, resident, tea, candle):
    client.force_login(resident)
    for offering in (tea, candle):
        client.post(reverse("marketplace:cart_add", args=[offering.pk]), {"quantity": "2"})
    cart = Cart.objects.get(user=resident)
    item = cart.items.get(offering=tea)
    url = reverse("marketplace:cart_update", args=[item.pk])
    before = list(cart.items.order_by("pk").values_list("pk", "offering_id", "quantity"))

    asked = client.post(url, {"action": "remove", "quantity": "2"})
    unchanged = list(cart.items.order_by("pk").values_list("pk", "offering_id", "quantity"))
    removed = client.post(url, {"action": "remove", "confirm": "1"})

    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Retirer « Thé vert bio (100 g) » de votre panier ?" in page
    assert "La ligne (quantité 2) disparaît du panier" in page
    assert 'name="confirm" value="1"' in page
    assert f'href="{reverse("marketplace:cart")}"' in page  # « Garder l'article »: back to the cart as it is
    assert unchanged == before
    assert removed.status_code == 302
    assert list(cart.items.values_list("offering_id", "quantity")) == [(candle.pk, Decimal("2.000"))]


def test_someone_else_cart_item_is_404(client, resident, tea):
    item = CartFactory(user=UserFactory(), items=[(tea, "1")]).items.get()
    client.force_login(resident)
    response = client.post(reverse("marketplace:cart_update", args=[item.pk]), {"quantity": "5"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.quantity == 1


def test_cart_page_query_count(client, resident, tea, basket, cleaning, flat_linen, django_assert_num_queries):
    client.force_login(resident)
    for offering in (tea, basket, cleaning, flat_linen):
        client.post(reverse("marketplace:cart_add", args=[offering.pk]), {"quantity": "1"})
    # Session, user, cart, solidarity status, items with offerings, which of them are booked on a slot.
    with django_assert_num_queries(6):
        response = client.get(reverse("marketplace:cart"))
    assert len(response.context["summary"].lines) == 4
    assert len(response.context["summary"].by_structure) == 4


def test_checkout_page_flow_for_a_resident(client, resident, basket, accueil):
    client.force_login(resident)
    client.post(reverse("marketplace:cart_add", args=[basket.pk]), {"quantity": "1"})
    page = client.get(reverse("marketplace:checkout"))
    assert page.status_code == 200
    methods = [choice[0] for choice in page.context["form"].fields["payment_method"].choices]
    assert methods == ["card", "cash", "cheque"]
    response = client.post(
        reverse("marketplace:checkout"),
        {"buyer": "self", "billing_name": "Camille Martin", "billing_address": "4 rue des Tilleuls\n77140 Nemours",
         "pickup_point": accueil.pk, "payment_method": "cash", "accept_terms": "on"},
    )  # fmt: skip
    order = Order.objects.get(customer=resident)
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:order_thanks", args=[order.reference])
    detail = client.get(reverse("marketplace:order", args=[order.reference]))
    html = detail.content.decode()
    assert "Confirmée" in html
    assert order.invoices.get().number in html


def test_checkout_form_errors_are_in_french_and_keep_the_cart(client, resident, basket):
    client.force_login(resident)
    client.post(reverse("marketplace:cart_add", args=[basket.pk]), {"quantity": "1"})
    response = client.post(
        reverse("marketplace:checkout"), {"buyer": "self", "billing_name": "", "billing_address": ""}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["billing_address"] == ["Ce champ est obligatoire."]
    assert errors["pickup_point"] == ["Choisissez un point de retrait."]
    assert errors["payment_method"] == ["Choisissez un moyen de paiement."]
    assert not Order.objects.filter(customer=resident).exists()
    assert Cart.objects.get(user=resident).items.count() == 1


def test_orders_are_visible_to_their_customer_and_organisation_only(
    client, resident, asso_member, creche, basket, flat_linen
):
    mine = OrderFactory(customer=resident, items=[(basket, "1")])
    org_order = OrderFactory(
        customer=asso_member, items=[(flat_linen, "3")], payment_method="transfer", organisation=creche
    )
    invoice = mine.invoices.get()
    client.force_login(resident)
    assert client.get(reverse("marketplace:order", args=[mine.reference])).status_code == 200
    assert client.get(reverse("marketplace:order", args=[org_order.reference])).status_code == 404
    client.force_login(asso_member)
    assert client.get(reverse("marketplace:order", args=[org_order.reference])).status_code == 200
    assert client.get(reverse("marketplace:order", args=[mine.reference])).status_code == 404
    assert client.get(reverse("marketplace:invoice_pdf", args=[invoice.number])).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("marketplace:order", args=[mine.reference])).status_code == 404


def test_order_list_query_count(client, resident, basket, django_assert_num_queries):
    for _ in range(3):
        OrderFactory(customer=resident, items=[(basket, "1")])
    client.force_login(resident)
    with django_assert_num_queries(3):  # session, user, orders
        response = client.get(reverse("marketplace:orders"))
    assert len(response.context["orders"]) == 3


def test_personal_data_export_includes_orders_and_deletion_keeps_invoices(client, resident, basket, tea):
    import json

    order = OrderFactory(customer=resident, items=[(basket, "1")])
    client.force_login(resident)
    data = json.loads(client.get(reverse("accounts:export")).content)
    assert [o["reference"] for o in data["achats"]["commandes"]] == [order.reference]
    assert data["achats"]["factures"] == [order.invoices.get().number]
    client.post(reverse("marketplace:cart_add", args=[tea.pk]), {"quantity": "1"})
    client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert not Cart.objects.filter(user=resident).exists()
    assert order.invoices.get().buyer_name == "Camille Martin"  # the invoice keeps its snapshot
