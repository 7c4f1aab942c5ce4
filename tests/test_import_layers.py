"""Every app of ours has an import-linter `layers` contract for its own modules (ARCHITECTURE.md,
"Inside an app"), so a new app without one fails here; `make lint` checks the contracts themselves."""

import tomllib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR).resolve()
CORE_APPS = ["accounts", "hub", "accounting", "services", "marketplace", "bookings", "subscriptions", "insertion"]


def _first_party_installed_apps() -> list[str]:
    """The installed apps whose package is a folder of this repository (Django's own and third parties' are not)."""
    return [config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == BASE_DIR]


def _expected_apps() -> list[str]:
    return sorted(set(CORE_APPS + _first_party_installed_apps()))


def _layers_contracts_by_container() -> dict[str, list[dict]]:
    with (BASE_DIR / "pyproject.toml").open("rb") as file:
        contracts = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    by_container: dict[str, list[dict]] = {}
    for contract in contracts:
        if contract.get("type") == "layers":
            for container in contract.get("containers", []):
                by_container.setdefault(container, []).append(contract)
    return by_container


def test_the_core_apps_are_installed_and_first_party():
    assert set(CORE_APPS) <= set(_first_party_installed_apps())


@pytest.mark.parametrize("app", _expected_apps())
def test_each_app_has_a_layers_contract_for_its_modules(app):
    contracts = _layers_contracts_by_container().get(app, [])

    assert len(contracts) == 1, f"{app} needs one import-linter `layers` contract with containers = [{app!r}]"
    assert contracts[0]["layers"], f"the layers contract of {app} lists no layer"
