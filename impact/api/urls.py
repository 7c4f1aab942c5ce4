from django.urls import path

from impact.api import views

urlpatterns = [
    path("impact/summary/", views.SummaryView.as_view(), name="impact-summary"),
    path("impact/public/", views.PublicView.as_view(), name="impact-public"),
]
