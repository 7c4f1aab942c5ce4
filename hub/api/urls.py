from django.urls import path

from hub.api import views

urlpatterns = [
    path("structures/", views.StructureListView.as_view(), name="structure-list"),
    path("structures/<slug:slug>/", views.StructureDetailView.as_view(), name="structure-detail"),
]
