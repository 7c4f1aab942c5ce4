import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import User
from hub.demo import DEMO_LOGINS, DEMO_PASSWORD
from hub.enums import StaffRole
from hub.models import Structure

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "hub", "accounting", "services", "marketplace", "bookings", "subscriptions", "insertion")


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count() for app in OUR_APPS for model in apps.get_app_config(app).get_models()
    }


def test_seed_twice_creates_nothing_more(demo_hub):
    before = _counts()
    call_command("seed_demo", force=True, verbosity=0)
    call_command("seed_demo", force=True, verbosity=0)
    assert _counts() == before
    assert before["hub.Structure"] == 8  # seven of the hub, one outside association
    assert before["hub.Site"] == 4
    # three customers (the EHPAD of impact.demo's two years of history), and the two prescribers of prescribers.demo
    assert before["hub.Organisation"] == 5


def test_seed_refuses_without_debug_unless_forced(settings, demo_hub):
    settings.DEBUG = False
    with pytest.raises(CommandError) as excinfo:
        call_command("seed_demo", verbosity=0)
    assert "DEBUG est désactivé" in str(excinfo.value)


def test_demo_logins_work_and_have_their_roles(client, demo_hub):
    for login in DEMO_LOGINS:
        assert client.login(email=login.email, password=DEMO_PASSWORD), login.email
        client.logout()
    compta = User.objects.get(email="compta@demo.pole.test")
    assert set(compta.structure_roles.values_list("role", flat=True)) == {StaffRole.ACCOUNTANT}
    assert compta.structure_roles.count() == Structure.objects.count() == 8
    encadrant = User.objects.get(email="encadrant@demo.pole.test")
    assert list(encadrant.structure_roles.values_list("structure__slug", "role")) == [
        ("jardins-du-pole", StaffRole.SUPERVISOR)
    ]
    tresoriere = User.objects.get(email="tresoriere@demo.pole.test")
    assert list(tresoriere.structure_roles.values_list("structure__slug", "role")) == [
        ("amis-du-lavoir", StaffRole.BOOKS_VIEWER)
    ]
    assert User.objects.get(email="admin@demo.pole.test").is_superuser is True
    asso = User.objects.get(email="asso@demo.pole.test")
    assert list(asso.organisations.values_list("slug", flat=True)) == ["creche-les-ptits-loups"]
