from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("espace/", views.home, name="home"),
    path("mes-donnees/", views.export_data, name="export"),
    path("supprimer/", views.delete, name="delete"),
    path("jetons-api/", views.api_tokens, name="api_tokens"),
    path("jetons-api/<int:pk>/revoquer/", views.api_token_revoke, name="api_token_revoke"),
]
