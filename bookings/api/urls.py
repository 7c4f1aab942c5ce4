from django.urls import path

from bookings.api import views

urlpatterns = [
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path("bookings/", views.BookingListView.as_view(), name="booking-list"),
    path("bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="booking-cancel"),
    path("bookings/<int:pk>/reschedule/", views.BookingRescheduleView.as_view(), name="booking-reschedule"),
    path("subscriptions/", views.SubscriptionListView.as_view(), name="subscription-list"),
    path("subscriptions/<int:pk>/pause/", views.SubscriptionPauseView.as_view(), name="subscription-pause"),
    path("subscriptions/<int:pk>/skip/", views.SubscriptionSkipView.as_view(), name="subscription-skip"),
    path("subscriptions/<int:pk>/resume/", views.SubscriptionResumeView.as_view(), name="subscription-resume"),
    path("subscriptions/<int:pk>/cancel/", views.SubscriptionCancelView.as_view(), name="subscription-cancel"),
    path("pickup-points/", views.PickupPointListView.as_view(), name="pickup-point-list"),
]
