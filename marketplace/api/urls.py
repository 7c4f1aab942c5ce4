from django.urls import path

from marketplace.api import receivables, views

urlpatterns = [
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/items/", views.CartItemsView.as_view(), name="cart-items"),
    path("cart/items/<int:pk>/", views.CartItemView.as_view(), name="cart-item"),
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<str:reference>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:reference>/invoices/", views.OrderInvoicesView.as_view(), name="order-invoices"),
    path("invoices/<str:number>/pdf/", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    # A structure's receivables, in the books' space (accounting knows nothing of invoices).
    path(
        "accounting/<slug:structure>/receivables/aged/",
        receivables.AgedBalanceView.as_view(),
        name="accounting-receivables-aged",
    ),
    path(
        "accounting/<slug:structure>/customers/<str:customer>/statement/",
        receivables.CustomerStatementView.as_view(),
        name="accounting-customer-statement",
    ),
    path(
        "accounting/<slug:structure>/invoices/<int:invoice_id>/payments/",
        receivables.InvoicePaymentsView.as_view(),
        name="accounting-invoice-payments",
    ),
    path("stripe/webhook/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
]
