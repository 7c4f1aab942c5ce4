"""The English catalogue (docs/adr/0002): complete, compiled from its .po, and served.

Our msgids are French; `locale/en/LC_MESSAGES/django.po` carries their English translations and
the compiled `django.mo` is committed, so both must agree and every entry must be translated.
"""

import ast
import gettext
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|\{\w*\}")


def _parse_po(path: Path) -> list[dict]:
    """The entries of a .po file (header and obsolete `#~` entries left out), without polib.

    Entries are separated by blank lines, as makemessages writes them. Each has `msgctxt` and
    `msgid_plural` (or None), `msgid`, `msgstr` (a dict index → text; index 0 alone for a
    singular entry), `flags` and the number of its first line.
    """
    entries = []
    text = path.read_text(encoding="utf-8")
    first_line = 1
    for block in text.split("\n\n"):
        entry = {"msgctxt": None, "msgid_plural": None, "msgstr": {}, "flags": set()}
        entry["line"], first_line = first_line, first_line + block.count("\n") + 2
        field = None
        for line in block.strip().splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if field is None:
                    raise ValueError(f"{path}: continuation line outside an entry: {line!r}")
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] += ast.literal_eval(line)
                else:
                    entry[field[0]] += ast.literal_eval(line)
            else:
                keyword, _, value = line.partition(" ")
                match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
                if match:
                    field = ("msgstr", int(match.group(1) or 0))
                    entry["msgstr"][field[1]] = ast.literal_eval(value)
                elif keyword in ("msgctxt", "msgid", "msgid_plural"):
                    field = (keyword, None)
                    entry[keyword] = ast.literal_eval(value)
                else:
                    raise ValueError(f"{path}: unexpected line {line!r}")
        if entry.get("msgid") or entry["msgctxt"]:
            entries.append(entry)
    return entries


def _expected_catalog(entries: list[dict]) -> dict:
    """What msgfmt puts in the .mo for these entries, keyed as `GNUTranslations._catalog` is."""
    catalog = {}
    for entry in entries:
        if "fuzzy" in entry["flags"] or not all(entry["msgstr"].values()):
            continue
        key = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is None:
            catalog[key] = entry["msgstr"][0]
        else:
            for index, text in entry["msgstr"].items():
                catalog[(key, index)] = text
    return catalog


def _mo_catalog(path: Path) -> dict:
    with path.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header
    return catalog


@pytest.fixture(scope="module")
def entries():
    assert PO.exists(), f"{PO} is missing: run `make messages`"
    return _parse_po(PO)


def test_compiled_catalogue_matches_the_po(entries):
    assert MO.exists(), f"{MO} is missing: run `manage.py compilemessages --locale en`"
    assert _mo_catalog(MO) == _expected_catalog(entries), (
        "django.mo is out of date with django.po: run `manage.py compilemessages --locale en`"
    )


def test_msgfmt_builds_the_committed_catalogue(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed: the .po is only checked in Python")
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(compiled), str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    assert _mo_catalog(compiled) == _mo_catalog(MO), (
        "django.mo differs from a fresh msgfmt build: run `manage.py compilemessages --locale en`"
    )


def test_every_message_is_translated_and_none_is_fuzzy(entries):
    assert len(entries) > 500, "the English catalogue looks truncated"
    fuzzy = [f"line {e['line']}: {e['msgid']!r}" for e in entries if "fuzzy" in e["flags"]]
    empty = [f"line {e['line']}: {e['msgid']!r}" for e in entries if not all(e["msgstr"].values())]
    plurals = [
        f"line {e['line']}: {e['msgid']!r}"
        for e in entries
        if e["msgid_plural"] is not None and sorted(e["msgstr"]) != [0, 1]
    ]
    assert not fuzzy, "fuzzy entries (ignored by Django):\n" + "\n".join(fuzzy)
    assert not empty, "untranslated entries:\n" + "\n".join(empty)
    assert not plurals, "plural entries without both forms:\n" + "\n".join(plurals)


def test_translations_keep_the_placeholders(entries):
    wrong = []
    for entry in entries:
        sources = {0: entry["msgid"], 1: entry["msgid_plural"] or entry["msgid"]}
        for index, text in entry["msgstr"].items():
            source = sources[min(index, 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append(f"line {entry['line']}: {source!r} → {text!r}")
    assert not wrong, "placeholders changed:\n" + "\n".join(wrong)


@pytest.fixture
def english_session(client):
    """A client that chose English; the language the middleware left active is reset afterwards."""
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    yield client
    translation.deactivate()


def test_home_page_in_english(english_session, demo_hub):
    response = english_session.get("/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert '<html lang="en">' in page
    assert "The hub's enterprises" in page
    assert "Les structures du pôle" not in page
    assert '<li><a href="/" aria-current="page">Home</a></li>' in page
