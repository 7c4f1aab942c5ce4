"""The API's pagination: `?page=<n>` only, as the schema says (an integer from 1)."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """DRF's page numbers, minus what the schema does not promise: `page=` (read as 1) and
    `page=last` are a 404 like any page that does not exist."""

    last_page_strings = ()

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound
        return super().get_page_number(request, paginator)
