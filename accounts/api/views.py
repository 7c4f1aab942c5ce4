from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actions import revoke_api_token
from accounts.api.serializers import ApiTokenOutputSerializer
from accounts.models import ApiToken


class ApiTokenListView(generics.ListAPIView):
    """The caller's API tokens, newest first (live, expired and revoked)."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApiTokenOutputSerializer

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)


class ApiTokenRevokeView(APIView):
    """Revoke one of the caller's tokens, at once and for good (the token in use included)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ApiTokenOutputSerializer)
    def post(self, request, pk: int):
        token = get_object_or_404(ApiToken, user=request.user, pk=pk)
        return Response(ApiTokenOutputSerializer(revoke_api_token(token=token)).data)
