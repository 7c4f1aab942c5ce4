from django.urls import path

from accounting.api import views

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
]
