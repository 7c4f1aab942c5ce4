"""The RGPD hooks: each app says what personal data it holds and how to erase it.

Higher apps register a section in their `AppConfig.ready()`; this module never imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

Exporter = Callable[[AbstractBaseUser], Any]
Eraser = Callable[[AbstractBaseUser], None]


@dataclass(frozen=True)
class Section:
    name: str
    export: Exporter
    erase: Eraser | None = None


_sections: dict[str, Section] = {}


def register(name: str, *, export: Exporter, erase: Eraser | None = None) -> None:
    _sections[name] = Section(name=name, export=export, erase=erase)


def sections() -> list[Section]:
    return list(_sections.values())
