from django.urls import path

from accounting import views, year_views

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
    path("<slug:slug>/ecriture/<int:pk>/", year_views.entry_detail, name="entry"),
    path("<slug:slug>/ecriture/<int:pk>/contrepasser/", year_views.entry_reverse, name="entry_reverse"),
    path("<slug:slug>/declarations-tva/", year_views.vat_returns, name="vat_returns"),
    path("<slug:slug>/declarations-tva/<str:period>/", year_views.vat_return, name="vat_return"),
    path("<slug:slug>/declarations-tva/<str:period>/valider/", year_views.vat_return_post, name="vat_return_post"),
    path("<slug:slug>/declarations-tva/<str:period>/case/<str:box>/", year_views.vat_box, name="vat_box"),
    path("<slug:slug>/cloture/", year_views.closing, name="closing"),
    path("<slug:slug>/cloture/<year:year>/inventaire/", year_views.cut_off_add, name="cut_off_add"),
    path("<slug:slug>/cloture/<year:year>/cloturer/", year_views.close_confirm, name="close_year"),
    path("<slug:slug>/cloture/<year:year>/rouvrir/", year_views.reopen, name="reopen_year"),
    path("<slug:slug>/verrou/", year_views.lock, name="lock"),
]
