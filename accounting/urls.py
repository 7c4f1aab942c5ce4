from django.urls import path

from accounting import bank_views, chart_views, purchase_views, views, year_views

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
    # === Purchases and the chart of accounts ===
    path("<slug:slug>/achats/", purchase_views.purchases, name="purchases"),
    path("<slug:slug>/achats/nouvelle/", purchase_views.purchase_new, name="purchase_new"),
    path("<slug:slug>/achats/<int:pk>/", purchase_views.purchase_detail, name="purchase"),
    path("<slug:slug>/achats/<int:pk>/modifier/", purchase_views.purchase_edit, name="purchase_edit"),
    path("<slug:slug>/achats/<int:pk>/comptabiliser/", purchase_views.purchase_post, name="purchase_post"),
    path("<slug:slug>/achats/<int:pk>/reglement/", purchase_views.purchase_pay, name="purchase_pay"),
    path("<slug:slug>/achats/<int:pk>/annuler/", purchase_views.purchase_cancel, name="purchase_cancel"),
    path("<slug:slug>/achats/<int:pk>/supprimer/", purchase_views.purchase_delete, name="purchase_delete"),
    path("<slug:slug>/achats/<int:pk>/piece-jointe/", purchase_views.purchase_attachment, name="purchase_attachment"),
    path("<slug:slug>/fournisseurs/", purchase_views.supplier_balances, name="suppliers"),
    path("<slug:slug>/fournisseurs/nouveau/", purchase_views.supplier_new, name="supplier_new"),
    path("<slug:slug>/plan-comptable/", chart_views.chart, name="chart"),
    path("<slug:slug>/plan-comptable/<str:code>/", chart_views.account_edit, name="account_edit"),
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
    path("<slug:slug>/banque/", bank_views.bank, name="bank"),
    path("<slug:slug>/banque/ligne/<int:line_id>/", bank_views.bank_line, name="bank_line"),
    path("<slug:slug>/banque/ligne/<int:line_id>/annuler/", bank_views.bank_unmatch, name="bank_unmatch"),
]
