from django.urls import path

from accounting.api import views

urlpatterns = [
    path("accounting/<slug:structure>/entries/", views.EntryListView.as_view(), name="accounting-entries"),
    path(
        "accounting/<slug:structure>/trial-balance/", views.TrialBalanceView.as_view(), name="accounting-trial-balance"
    ),
    path("accounting/<slug:structure>/fec/", views.FecView.as_view(), name="accounting-fec"),
]
