from django.urls import path

from prescribers import views

app_name = "prescribers"

urlpatterns = [
    path("", views.supports, name="supports"),
    path("ouvrir/", views.open_support, name="open_support"),
    path("<int:pk>/", views.support_detail, name="support"),
    path("<int:pk>/clore/", views.close_support, name="close_support"),
    path("<int:pk>/prise-en-charge/", views.set_funding, name="set_funding"),
    path("<int:pk>/prise-en-charge/arreter/", views.end_funding, name="end_funding"),
    path("<int:pk>/panier/", views.subscribe_for, name="subscribe_for"),
    path("<int:pk>/reserver/", views.book_for_list, name="book_for_list"),
    path("<int:pk>/reserver/<slug:slug>/", views.book_for, name="book_for"),
    path("budget/", views.budget, name="budget"),
    path("qui-m-accompagne/", views.my_supports, name="my_supports"),
    path("qui-m-accompagne/<int:pk>/accord/", views.accept_support, name="accept_support"),
    path("qui-m-accompagne/<int:pk>/retirer/", views.withdraw_consent, name="withdraw_consent"),
]
