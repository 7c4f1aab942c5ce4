from django.urls import path

from marketplace import backoffice, views

app_name = "marketplace"

urlpatterns = [
    path("panier/", views.cart, name="cart"),
    path("panier/ajouter/<int:offering_id>/", views.cart_add, name="cart_add"),
    path("panier/article/<int:item_id>/", views.cart_update, name="cart_update"),
    path("commander/", views.checkout, name="checkout"),
    path("commandes/", views.order_list, name="orders"),
    path("commandes/<str:reference>/", views.order_detail, name="order"),
    path("commandes/<str:reference>/payer/", views.order_pay, name="order_pay"),
    path("commandes/<str:reference>/merci/", views.order_thanks, name="order_thanks"),
    path("commandes/<str:reference>/paiement/etat/", views.order_status, name="order_status"),
    path("commandes/<str:reference>/paiement/moyen/", views.order_switch_payment, name="order_switch_payment"),
    path("factures/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("gestion/retraits/", backoffice.pickup_day, name="pickup_day"),
    path("gestion/commandes/", backoffice.staff_orders, name="staff_orders"),
    path("gestion/commandes/<str:reference>/", backoffice.handover, name="handover"),
    path("gestion/commandes/<str:reference>/remboursement/", backoffice.handover_refund, name="handover_refund"),
    path(
        "gestion/commandes/<str:reference>/avoir/<int:refund_id>/",
        backoffice.handover_credit_note,
        name="handover_credit_note",
    ),
    path("gestion/commandes/<str:reference>/paiement/", backoffice.handover_payment, name="handover_payment"),
    path("gestion/commandes/<str:reference>/remise/", backoffice.handover_collect, name="handover_collect"),
    path("gestion/commandes/<str:reference>/pesee/<int:line_id>/", backoffice.handover_weigh, name="handover_weigh"),
    path("gestion/cheques/", backoffice.cheques, name="cheques"),
    path("gestion/cheques/bordereau/", backoffice.deposit_slip_create, name="deposit_slip_create"),
    path("gestion/cheques/bordereau/<int:pk>/", backoffice.deposit_slip, name="deposit_slip"),
    path("gestion/caisse/", backoffice.cash_up, name="cash_up"),
    path("gestion/stripe/", backoffice.stripe_events, name="stripe_events"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
