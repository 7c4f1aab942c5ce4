from django.urls import path

from hub import views

app_name = "hub"

urlpatterns = [
    path("", views.home, name="home"),
    path("pages/<slug:kind>/", views.legal_page, name="legal_page"),
]
