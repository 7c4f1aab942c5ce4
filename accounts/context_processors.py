from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import staff_tools


def menu(request: HttpRequest) -> dict:
    """The header's menu by role (`staff_tools`), read only if the page's layout shows it."""
    return {"nav_sections": SimpleLazyObject(lambda: staff_tools.menu_for_request(request))}
