from django.urls import path

from sap.api import views

urlpatterns = [
    path("sap/certificates/", views.CertificateListView.as_view(), name="sap-certificates"),
    path("sap/clients/<int:pk>/register/", views.AdvanceClientRegisterView.as_view(), name="sap-client-register"),
    path("sap/payment-requests/", views.PaymentRequestListView.as_view(), name="sap-payment-requests"),
]
