from django.urls import path

from accounting import bank_views, views

app_name = "accounting"

urlpatterns = [
    path("", views.index, name="index"),
    path("rapprochement/", views.reconciliation, name="reconciliation"),
    path("<slug:slug>/", views.structure_home, name="structure"),
    path("<slug:slug>/journal/", views.journal, name="journal"),
    path("<slug:slug>/grand-livre/", views.ledger, name="ledger"),
    path("<slug:slug>/balance/", views.trial_balance, name="trial_balance"),
    path("<slug:slug>/clients/", views.customers, name="customers"),
    path("<slug:slug>/chiffre-affaires/", views.revenue, name="revenue"),
    path("<slug:slug>/tva/", views.vat, name="vat"),
    path("<slug:slug>/fec/<year:year>/", views.fec, name="fec"),
    path("<slug:slug>/ecriture/", views.manual_entry, name="manual_entry"),
    path("<slug:slug>/banque/", bank_views.bank, name="bank"),
    path("<slug:slug>/banque/ligne/<int:line_id>/", bank_views.bank_line, name="bank_line"),
    path("<slug:slug>/banque/ligne/<int:line_id>/annuler/", bank_views.bank_unmatch, name="bank_unmatch"),
]
