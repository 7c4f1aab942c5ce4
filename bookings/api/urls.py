from django.urls import path

from bookings.api import views

urlpatterns = [
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path("bookings/", views.BookingListView.as_view(), name="booking-list"),
    path("bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="booking-cancel"),
    path("bookings/<int:pk>/reschedule/", views.BookingRescheduleView.as_view(), name="booking-reschedule"),
    path("pickup-points/", views.PickupPointListView.as_view(), name="pickup-point-list"),
]
