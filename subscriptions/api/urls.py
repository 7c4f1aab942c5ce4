from django.urls import path

from subscriptions.api import views

urlpatterns = [
    path("subscriptions/", views.SubscriptionListView.as_view(), name="subscription-list"),
    path("subscriptions/<int:pk>/pause/", views.SubscriptionPauseView.as_view(), name="subscription-pause"),
    path("subscriptions/<int:pk>/skip/", views.SubscriptionSkipView.as_view(), name="subscription-skip"),
    path("subscriptions/<int:pk>/resume/", views.SubscriptionResumeView.as_view(), name="subscription-resume"),
    path("subscriptions/<int:pk>/cancel/", views.SubscriptionCancelView.as_view(), name="subscription-cancel"),
]
