from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("structures/<slug:slug>/", views.structure_page, name="structure"),
    path("<slug:slug>/", views.offering_detail, name="offering"),
]
