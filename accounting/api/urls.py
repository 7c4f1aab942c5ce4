from django.urls import path

from accounting.api import bank, views

urlpatterns = [
    path("accounting/<slug:structure>/entries/", views.EntryListView.as_view(), name="accounting-entries"),
    path(
        "accounting/<slug:structure>/trial-balance/", views.TrialBalanceView.as_view(), name="accounting-trial-balance"
    ),
    path("accounting/<slug:structure>/fec/", views.FecView.as_view(), name="accounting-fec"),
    path("accounting/<slug:structure>/vat-returns/", views.VatReturnView.as_view(), name="accounting-vat-returns"),
    path(
        "accounting/<slug:structure>/vat-returns/<str:period>/post/",
        views.VatReturnPostView.as_view(),
        name="accounting-vat-return-post",
    ),
    path(
        "accounting/<slug:structure>/years/<year:year>/close/",
        views.YearCloseView.as_view(),
        name="accounting-year-close",
    ),
    path(
        "accounting/<slug:structure>/bank-statements/",
        bank.BankStatementView.as_view(),
        name="accounting-bank-statements",
    ),
    path("accounting/<slug:structure>/bank-lines/", bank.BankLineListView.as_view(), name="accounting-bank-lines"),
    path(
        "accounting/<slug:structure>/bank-lines/<int:line_id>/match/",
        bank.BankLineMatchView.as_view(),
        name="accounting-bank-line-match",
    ),
]
