"""The private storage: documents (invoices, credit notes) that only a permission-checked view serves.

Its root, `PRIVATE_MEDIA_ROOT`, lies outside `MEDIA_ROOT` and `STATIC_ROOT` (a system check refuses
otherwise), so neither the web server nor Django's `static()` route ever maps a URL to it; a file
has no URL of its own. Its views answer with `private_file_response` (ADR 0013, private documents).
"""

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage rooted at `PRIVATE_MEDIA_ROOT`, with no URL."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("A private document has no URL: its permission-checked view serves it.")


def private_storage():
    """The `private` entry of STORAGES (a callable, so that a FileField's migration names no backend)."""
    return storages["private"]


def private_file_response(file: FieldFile, *, filename: str, content_type: str) -> HttpResponse:
    """Serve a stored private file to someone the view has already checked.

    With `PRIVATE_MEDIA_ACCEL_REDIRECT` (behind nginx) the web server sends the bytes from its
    `internal` location; otherwise Django streams them. Never cached by a shared cache.
    """
    prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.name)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    else:
        response = FileResponse(file.open("rb"), content_type=content_type, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def private_stored_response(name: str, *, filename: str, content_type: str) -> HttpResponse:
    """`private_file_response` for a file of the private storage known by its name only."""
    return private_file_response(FieldFile(None, _NamedField(), name), filename=filename, content_type=content_type)


class _NamedField:
    """What a FieldFile needs of its field to open a file of the private storage."""

    @property
    def storage(self):
        return private_storage()
