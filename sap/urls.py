from django.urls import path

from sap import views

app_name = "sap"

urlpatterns = [
    path("attestations/", views.my_certificates, name="my_certificates"),
    path("attestations/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("<slug:slug>/attestations/", views.structure_certificates, name="structure_certificates"),
    path("<slug:slug>/attestations/emettre/", views.issue_certificates, name="issue_certificates"),
]
