from rest_framework import generics
from rest_framework.permissions import AllowAny

from hub.api.serializers import StructureOutputSerializer
from hub.models import Structure


class StructureListView(generics.ListAPIView):
    """The hub's active structures (public)."""

    permission_classes = [AllowAny]
    serializer_class = StructureOutputSerializer
    queryset = Structure.objects.active().of_the_hub().order_by("position", "name")


class StructureDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = StructureOutputSerializer
    queryset = Structure.objects.active().of_the_hub()
    lookup_field = "slug"
