from django.urls import path

from sap.api import views

urlpatterns = [
    path("sap/certificates/", views.CertificateListView.as_view(), name="sap-certificates"),
]
