from django.urls import path

from prescribers.api import views

urlpatterns = [
    path("prescribers/supports/", views.SupportListView.as_view(), name="prescribers-supports"),
]
