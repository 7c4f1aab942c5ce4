from django.urls import path

from services.api import views

urlpatterns = [
    path("offerings/", views.OfferingListView.as_view(), name="offering-list"),
    path("offerings/<int:pk>/", views.OfferingDetailView.as_view(), name="offering-detail"),
]
