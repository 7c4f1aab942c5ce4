"""The staff's tools listed on « Mon compte »: each app registers its pages with the check its view
makes, so that a person sees a link only to the pages they can open (never a 404).

Higher apps register in their `AppConfig.ready()`; this module never imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Tool:
    label: str
    url_name: str
    can_open: Callable[..., bool]
    position: int


_tools: dict[str, Tool] = {}


def register(url_name: str, *, label, can_open: Callable[..., bool], position: int) -> None:
    """`label` (lazy, French msgid), `can_open(user)` the same check the page's view makes."""
    _tools[url_name] = Tool(label=label, url_name=url_name, can_open=can_open, position=position)


def tools_for(user) -> list[tuple[str, str]]:
    """(label, address) of every registered tool this person can open, in their set order."""
    return [
        (str(tool.label), reverse(tool.url_name))
        for tool in sorted(_tools.values(), key=lambda tool: tool.position)
        if tool.can_open(user)
    ]
