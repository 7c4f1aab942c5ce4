from django.urls import path

from accounts.api import views

urlpatterns = [
    path("tokens/", views.ApiTokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token-revoke"),
]
