from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.offering_list, name="offerings"),
    path("mes-reservations/", views.my_bookings, name="mine"),
    path("mes-reservations/<int:pk>/annuler/", views.cancel, name="cancel"),
    path("mes-reservations/<int:pk>/deplacer/", views.reschedule, name="reschedule"),
    path("mes-reservations/agenda/", views.calendar_token, name="calendar_token"),
    path("agenda/<str:token>.ics", views.ical, name="ical"),
    path("organisations/", views.my_organisations, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation_page, name="organisation"),
    path("organisations/<slug:slug>/releve/", views.organisation_statement_page, name="organisation_statement"),
    path("gestion/blanchisserie/", views.laundry_week_page, name="laundry_week"),
    path("gestion/blanchisserie/<int:pk>/etape/", views.laundry_step, name="laundry_step"),
    path("<slug:slug>/devis.pdf", views.sap_quote, name="sap_quote"),
    path("<slug:slug>/", views.calendar, name="calendar"),
]
