from django.http import HttpRequest

from hub.enums import LegalPageKind


def hub(request: HttpRequest) -> dict:
    return {"legal_pages": LegalPageKind}
