from django.urls import path

from marketplace import views

app_name = "marketplace"

urlpatterns = [
    path("panier/", views.cart, name="cart"),
    path("panier/ajouter/<int:offering_id>/", views.cart_add, name="cart_add"),
    path("panier/article/<int:item_id>/", views.cart_update, name="cart_update"),
    path("commander/", views.checkout, name="checkout"),
    path("commandes/", views.order_list, name="orders"),
    path("commandes/<str:reference>/", views.order_detail, name="order"),
    path("commandes/<str:reference>/payer/", views.order_pay, name="order_pay"),
    path("factures/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
