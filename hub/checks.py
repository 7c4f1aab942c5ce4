"""System checks of the hub's settings (`manage.py check`, run at every start)."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


def _inside(path: Path, root: Path) -> bool:
    path, root = Path(path).resolve(), Path(root).resolve()
    return path == root or root in path.parents


@register()
def private_media_root_is_private(app_configs=None, **kwargs) -> list[Error]:
    """Private documents must never sit where a public URL can reach them (MEDIA_ROOT, STATIC_ROOT)."""
    private = settings.PRIVATE_MEDIA_ROOT
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, name)
        if public and (_inside(private, public) or _inside(public, private)):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) and {name} ({public}) overlap: private documents would be public.",
                    hint="Point PRIVATE_MEDIA_ROOT to a folder outside MEDIA_ROOT and STATIC_ROOT.",
                    id="hub.E001",
                )
            )
    return errors
