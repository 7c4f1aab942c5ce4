from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("mes-donnees/", views.export_data, name="export"),
    path("supprimer/", views.delete, name="delete"),
    path("jeton-api/", views.api_token, name="api_token"),
]
