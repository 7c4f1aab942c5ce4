"""Each person's tools, grouped by the roles they hold: the header menu, « Mon espace » and where a
person lands after login are all built from this one registry (issue 12: staff could not find their
tools and were offered links answering 404).

- `hub` registers the *sections* — one per role a person may hold (resident, organisation member,
  each staff role, hub admin) — with the check saying whether a person holds it;
- each app registers its *tools* (pages) in its `AppConfig.ready()` with the check its view makes,
  and the sections they belong to, with their rank in each;
- each app may register *panels*: a block of « Mon espace » for one section (the resident's next
  basket, coming bookings, unpaid orders).

A person sees a section for each role they hold, and in it the tools they can open (never a 404).
A tool they can open that none of their sections lists goes to the section that collects the rest
(the hub admin's), or to « Autres outils ». Where they land after login is the first tool of their
first section (sections are ordered by that priority).

This module never imports the apps that fill it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

#: Where the menu is kept in the session: computed at login (and again on « Mon espace »), so that
#: a page pays no query for its header.
SESSION_KEY = "_staff_tools_menu"
#: The section of tools a person can open that none of their sections lists.
OTHER = "other"


@dataclass(frozen=True)
class Section:
    key: str
    label: Any  # lazy, French msgid
    holds: Callable[..., bool]
    position: int
    # Names of the structures where the person holds this role (shown on « Mon espace »).
    structures: Callable[..., list[str]] | None = None
    collects_rest: bool = False


@dataclass(frozen=True)
class Tool:
    label: Any
    url_name: str
    can_open: Callable[..., bool]
    position: int
    sections: dict[str, int] = field(default_factory=dict)
    # A tool with one page per structure (a board per team): [(address, structure name), …].
    links: Callable[..., list[tuple[str, str]]] | None = None


@dataclass(frozen=True)
class Panel:
    key: str
    section: str
    template: str
    context: Callable[..., dict]
    position: int


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    url_name: str


@dataclass(frozen=True)
class MenuSection:
    key: str
    label: str
    links: list[Link]


_sections: dict[str, Section] = {}
_tools: dict[str, Tool] = {}
_panels: dict[str, Panel] = {}


def register_section(
    key: str,
    *,
    label,
    holds: Callable[..., bool],
    position: int,
    structures: Callable[..., list[str]] | None = None,
    collects_rest: bool = False,
) -> None:
    """A role a person may hold; `position` orders the menu and decides where a person lands."""
    _sections[key] = Section(key, label, holds, position, structures, collects_rest)


def register(
    url_name: str,
    *,
    label,
    can_open: Callable[..., bool],
    position: int,
    sections: dict[str, int] | None = None,
    links: Callable[..., list[tuple[str, str]]] | None = None,
) -> None:
    """`label` (lazy, French msgid), `can_open(user)` the same check the page's view makes,
    `sections` {section key: rank in it} — the roles whose work this page is."""
    _tools[url_name] = Tool(label, url_name, can_open, position, dict(sections or {}), links)


def register_panel(key: str, *, section: str, template: str, context: Callable[..., dict], position: int) -> None:
    """A block of « Mon espace » shown to those who hold `section`; `context(user)` its template's data."""
    _panels[key] = Panel(key, section, template, context, position)


def _links(tool: Tool, user) -> list[list[str]]:
    """[[url_name, address, structure name or ""]] of one tool."""
    if tool.links is None:
        return [[tool.url_name, reverse(tool.url_name), ""]]
    pages = tool.links(user)
    if len(pages) == 1:  # one structure: its name would only lengthen the label
        return [[tool.url_name, pages[0][0], ""]]
    return [[tool.url_name, url, name] for url, name in pages]


def compute_menu(user) -> list[list]:
    """[[section key, [[url_name, address, structure name], …]], …] of the sections this person holds,
    each with the tools they can open (plain lists: it is kept in the session)."""
    if not user.is_authenticated:
        return []
    held = [section for section in sorted(_sections.values(), key=lambda s: s.position) if section.holds(user)]
    openable = [tool for tool in sorted(_tools.values(), key=lambda tool: tool.position) if tool.can_open(user)]
    menu: list[list] = []
    shown: set[str] = set()
    for section in held:
        tools = [tool for tool in openable if section.key in tool.sections and tool.url_name not in shown]
        tools.sort(key=lambda tool, section_key=section.key: tool.sections[section_key])
        shown.update(tool.url_name for tool in tools)
        menu.append([section.key, tools])
    rest = [tool for tool in openable if tool.url_name not in shown]
    if rest:
        collector = next((entry for entry, section in zip(menu, held, strict=True) if section.collects_rest), None)
        if collector is None:
            collector = [OTHER, []]
            menu.append(collector)
        collector[1] = [*collector[1], *rest]
    return [[key, [link for tool in tools for link in _links(tool, user)]] for key, tools in menu if tools]


def _label(url_name: str, structure: str) -> str:
    tool = _tools.get(url_name)
    label = str(tool.label) if tool else url_name
    return f"{label} — {structure}" if structure else label


def _section_label(key: str) -> str:
    section = _sections.get(key)
    return str(section.label) if section else str(_("Autres outils"))


def render_menu(menu: list[list]) -> list[MenuSection]:
    """The stored menu with its labels in the language of the request."""
    return [
        MenuSection(
            key=key,
            label=_section_label(key),
            links=[Link(_label(url_name, structure), url, url_name) for url_name, url, structure in links],
        )
        for key, links in menu
        if key in _sections or key == OTHER
    ]


def remember_menu(request, user) -> list[list]:
    """Compute this person's menu and keep it in their session (at login, and on « Mon espace »)."""
    menu = compute_menu(user)
    if hasattr(request, "session") and request.session.get(SESSION_KEY) != menu:
        request.session[SESSION_KEY] = menu  # written only when it changed: no session save per visit
    return menu


def menu_for_request(request) -> list[MenuSection]:
    """The header's menu: from the session, computed once if it is not there yet."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    menu = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if menu is not None:
        try:
            return render_menu(menu)
        except (TypeError, ValueError):  # kept by an older release in another shape: computed afresh
            pass
    return render_menu(remember_menu(request, user))


def landing_url(menu: list[list]) -> str | None:
    """Where a person lands after login: the first tool of their first section."""
    for _key, links in menu:
        if links:
            return links[0][1]
    return None


def home_sections(user, menu: list[list]) -> list[dict]:
    """« Mon espace »: each section of the menu, with its structures, tools and panels."""
    sections = []
    for entry in render_menu(menu):
        section = _sections.get(entry.key)
        panels = sorted((p for p in _panels.values() if p.section == entry.key), key=lambda p: p.position)
        sections.append(
            {
                "key": entry.key,
                "label": entry.label,
                "structures": section.structures(user) if section and section.structures else [],
                "links": entry.links,
                "panels": [(panel.template, panel.context(user)) for panel in panels],
            }
        )
    return sections
