from django.urls import path

from subscriptions import views

app_name = "subscriptions"

# Mounted under /reservations/ before bookings' catch-all slug (config/urls.py).
urlpatterns = [
    path("abonnements/", views.plans, name="plans"),
    path("mes-abonnements/", views.my_subscriptions, name="mine"),
    path("mes-abonnements/<int:pk>/pause/", views.pause, name="pause"),
    path("mes-abonnements/<int:pk>/absence/<int:delivery_pk>/", views.skip, name="skip"),
    path("mes-abonnements/<int:pk>/reprendre/", views.resume, name="resume"),
    path("mes-abonnements/<int:pk>/resilier/", views.cancel, name="cancel"),
    path("mes-abonnements/<int:pk>/carte/", views.card, name="card"),
    path("mes-abonnements/<int:pk>/point-de-retrait/", views.change_point, name="change_point"),
    path("mes-abonnements/<int:pk>/taille/", views.change_size, name="change_size"),
    path("gestion/paniers/", views.pick_list_page, name="pick_list"),
    path("gestion/paniers/<int:pk>/remis/", views.deliver, name="pick_list_deliver"),
]
