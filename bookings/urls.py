from django.urls import path

from bookings import subscription_views, views

app_name = "bookings"

urlpatterns = [
    path("", views.offering_list, name="offerings"),
    path("mes-reservations/", views.my_bookings, name="mine"),
    path("mes-reservations/<int:pk>/annuler/", views.cancel, name="cancel"),
    path("mes-reservations/<int:pk>/deplacer/", views.reschedule, name="reschedule"),
    path("mes-reservations/agenda/", views.calendar_token, name="calendar_token"),
    path("agenda/<str:token>.ics", views.ical, name="ical"),
    path("gestion/blanchisserie/", views.laundry_week_page, name="laundry_week"),
    path("gestion/blanchisserie/<int:pk>/etape/", views.laundry_step, name="laundry_step"),
    path("abonnements/", subscription_views.plans, name="plans"),
    path("mes-abonnements/", subscription_views.my_subscriptions, name="my_subscriptions"),
    path("mes-abonnements/<int:pk>/pause/", subscription_views.pause, name="subscription_pause"),
    path("mes-abonnements/<int:pk>/absence/<int:delivery_pk>/", subscription_views.skip, name="subscription_skip"),
    path("mes-abonnements/<int:pk>/reprendre/", subscription_views.resume, name="subscription_resume"),
    path("mes-abonnements/<int:pk>/resilier/", subscription_views.cancel, name="subscription_cancel"),
    path("mes-abonnements/<int:pk>/carte/", subscription_views.card, name="subscription_card"),
    path("gestion/paniers/", subscription_views.pick_list_page, name="pick_list"),
    path("gestion/paniers/<int:pk>/remis/", subscription_views.deliver, name="pick_list_deliver"),
    path("<slug:slug>/devis.pdf", views.sap_quote, name="sap_quote"),
    path("<slug:slug>/", views.calendar, name="calendar"),
]
