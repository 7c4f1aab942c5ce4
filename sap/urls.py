from django.urls import path

from sap import views

app_name = "sap"

urlpatterns = [
    path("attestations/", views.my_certificates, name="my_certificates"),
    path("attestations/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("avance-immediate/", views.my_advance, name="my_advance"),
    path("<slug:slug>/attestations/", views.structure_certificates, name="structure_certificates"),
    path("<slug:slug>/attestations/emettre/", views.issue_certificates, name="issue_certificates"),
    path("<slug:slug>/avance-immediate/", views.structure_advance, name="structure_advance"),
    path("<slug:slug>/avance-immediate/inscrire/", views.enrol_advance_client, name="enrol_advance_client"),
    path("<slug:slug>/avance-immediate/clients/<int:pk>/", views.advance_client, name="advance_client"),
    path(
        "<slug:slug>/avance-immediate/clients/<int:pk>/retirer/",
        views.withdraw_advance_client,
        name="withdraw_advance_client",
    ),
    path(
        "<slug:slug>/avance-immediate/demandes/<int:pk>/renvoyer/",
        views.resend_payment_request,
        name="resend_payment_request",
    ),
    path(
        "<slug:slug>/avance-immediate/demandes/<int:pk>/regler-autrement/",
        views.fall_back_payment_request,
        name="fall_back_payment_request",
    ),
]
