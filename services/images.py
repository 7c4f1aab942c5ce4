"""Offering photos: what an upload may be (bounded size, dimensions and formats), checked on its content."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
# Raster formats only: an SVG can carry script, and the browser would run it from our domain.
FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def validate_offering_image(file) -> None:
    """At most 2 MB and 4 000 px a side, and really a JPEG, PNG or WebP (whatever its name says)."""
    if getattr(file, "_committed", False):
        return  # a stored photo, checked when it was uploaded (reading it again would open the file)
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationError(_("La photo dépasse 2 Mo : réduisez-la avant de l'envoyer."), code="image_too_large")
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("Ce fichier n'est pas une image lisible : envoyez une photo JPEG, PNG ou WebP."), code="invalid_image"
        ) from error
    finally:
        if position is not None:
            file.seek(position)
    if kind not in FORMATS:
        raise ValidationError(
            _("Format %(format)s refusé : envoyez une photo JPEG, PNG ou WebP."),
            code="image_format",
            params={"format": kind or "?"},
        )
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(
            _("La photo fait %(width)s × %(height)s pixels : 4 000 pixels de côté au plus."),
            code="image_dimensions",
            params={"width": width, "height": height},
        )
