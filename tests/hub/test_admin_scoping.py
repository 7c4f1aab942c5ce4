"""The back-office keeps structures apart (issue 11, « Leaks »): every model registered on the admin
site, for every staff role, lists, offers, opens and saves only its own structures' rows.

Two structures built from factories: « Jardins » (where the people under test work) and « Pôle
Services » (the other one), each with one row of every structure-owned model. The matrix walks
the site's registry, so a model registered tomorrow is tried too; one that does not say which
structure its rows belong to fails `test_every_admin_declares_its_scope`.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import ModelChoiceField
from django.forms.models import model_to_dict
from django.urls import reverse

from bookings.models import CancellationFee, Closure, CollectionFee, OpeningRule, Resource, ServiceArea
from hub.admin_scoping import ScopedAdmin, structure_id_of
from hub.enums import StaffRole
from hub.models import StructureRole
from insertion.models import ApprovalSuspension, Worker
from marketplace.actions.dunning import ensure_default_levels
from marketplace.models import DunningPolicy, SellerSettings
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BookableOfferingFactory, BookingFactory, CollectiveFactory, SellerFactory
from tests.hub.factories import SiteFactory, StructureRoleFactory
from tests.insertion.factories import (
    ApprovalFactory,
    ContractExitFactory,
    ContractFactory,
    JobFactory,
    SuspensionFactory,
    TeamFactory,
    WorkerFactory,
)
from tests.marketplace.factories import OrderFactory, SellerSettingsFactory
from tests.services.factories import OfferingFactory
from tests.subscriptions.factories import BasketFactory, SubscriptionFactory, SubscriptionPlanFactory

pytestmark = pytest.mark.django_db

# Admins of third-party apps (and of `accounts`, below `hub` in the layers): the site makes them hub-admin-only.
HUB_ONLY_BY_THE_SITE = {
    "account.EmailAddress",
    "accounts.User",
    "auth.Group",
    "django_celery_beat.ClockedSchedule",
    "django_celery_beat.CrontabSchedule",
    "django_celery_beat.IntervalSchedule",
    "django_celery_beat.PeriodicTask",
    "django_celery_beat.SolarSchedule",
}

# The staff roles the project has, held in « Jardins » (the Collectif's accountant keeps other books).
ROLES = ["supervisor", "manager", "staff", "accountant", "collective_accountant", "hub_admin", "resident"]


@dataclass
class Side:
    """One structure and one row of each model it owns."""

    structure: object
    rows: dict = field(default_factory=dict)  # model → a row of this structure
    people: dict = field(default_factory=dict)  # role → user

    def owned(self) -> set:
        return {(type(row), row.pk) for row in self.rows.values()} | {(type(self.structure), self.structure.pk)}


def _side(name: str) -> Side:
    structure = SellerFactory(liable=True, name=name)
    side = Side(structure)
    for role in (StaffRole.SUPERVISOR, StaffRole.MANAGER, StaffRole.STAFF, StaffRole.ACCOUNTANT):
        side.people[role.value] = StructureRoleFactory(structure=structure, role=role).user
    rows = side.rows
    rows["settings"] = SellerSettingsFactory(structure=structure)
    rows["dunning_level"] = ensure_default_levels(structure)[0]
    rows["dunning_policy"] = DunningPolicy.objects.get_or_create(structure=structure)[0]
    rows["site"] = SiteFactory(structure=structure)
    car = BookableOfferingFactory(structure=structure, vehicle_rental=True, service_area=("77140",))
    rows["offering"] = car
    rows["opening_rule"] = OpeningRule.objects.filter(offering=car).first()
    rows["resource"] = Resource.objects.filter(offering=car).first()
    rows["service_area"] = ServiceArea.objects.get(structure=structure)
    rows["fee"] = CancellationFee.objects.create(offering=car, fee_offering=OfferingFactory(structure=structure))
    rows["collection_fee"] = CollectionFee.objects.create(
        structure=structure, fee_offering=OfferingFactory(structure=structure)
    )
    rows["closure"] = Closure.objects.create(
        structure=structure, offering=car, start_date=datetime.date(2026, 8, 1), end_date=datetime.date(2026, 8, 15)
    )
    rows["booking"] = BookingFactory(offering=car)
    plan = SubscriptionPlanFactory(offering=BasketFactory(structure=structure))
    rows["plan"] = plan
    rows["subscription"] = SubscriptionFactory(plan=plan)
    order = OrderFactory(items=[(OfferingFactory(structure=structure, with_stock=True), Decimal("1"))], paid=True)
    rows["invoice"] = order.invoices.get()
    books = structure.books
    rows["books"] = books
    rows["entry"] = structure.entries.first()
    rows["account"] = structure.accounts.first()
    rows["journal"] = structure.journals.first()
    rows["fiscal_year"] = structure.fiscal_years.first()
    team = TeamFactory(structure=structure, name=f"Équipe {name}")
    team.supervisors.add(side.people["supervisor"])
    rows["team"] = team
    # An address the admin form accepts (the factory's « prénomN@… » has an accent Django's validator refuses).
    worker = WorkerFactory(structure=structure, team=team, last_name=f"Salarié {name}", email="salarie@exemple.test")
    rows["worker"] = worker
    rows["approval"] = ApprovalFactory(worker=worker)
    rows["suspension"] = SuspensionFactory(approval=rows["approval"])
    rows["job"] = JobFactory(structure=structure, team=team)
    rows["exit"] = ContractExitFactory(contract=ContractFactory(worker=worker))
    return side


@pytest.fixture
def hub(db):
    jardins, services = _side("Jardins d'essai"), _side("Pôle Services d'essai")
    people = {role: jardins.people[role] for role in ("supervisor", "manager", "staff", "accountant")}
    people["collective_accountant"] = StructureRoleFactory(
        structure=CollectiveFactory(), role=StaffRole.ACCOUNTANT
    ).user
    people["hub_admin"] = UserFactory(hub_admin=True)
    people["resident"] = UserFactory()
    return jardins, services, people


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _held(user, roles) -> set[int]:
    return set(StructureRole.objects.filter(user=user, role__in=roles).values_list("structure_id", flat=True))


def _refused(response) -> bool:
    """403 or 404, or the login page for someone who may not enter the back-office at all."""
    if response.status_code == 302:
        return response["Location"].startswith(reverse("admin:login"))
    return response.status_code in {403, 404}


def _choice_fields(response):
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.extend(inline.formset.forms)
        forms.append(inline.formset.empty_form)
    for form in forms:
        for name, form_field in form.fields.items():
            # A formset's hidden row id is looked up among the parent's rows only, never offered.
            if isinstance(form_field, ModelChoiceField) and name != form._meta.model._meta.pk.name:
                yield f"{type(form).__name__}.{name}", form_field.queryset


def _foreign_row(model, side: Side):
    for row in side.rows.values():
        if type(row) is model:
            return row
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_model_is_scoped_for_every_role(client, hub, role):
    jardins, services, people = hub
    user = people[role]
    client.force_login(user)
    hub_admin = role == "hub_admin"
    foreign = services.owned()
    problems = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        # An admin that declares nothing is taken as hub-wide: hub admins only.
        path = getattr(model_admin, "structure_field", None)
        shared = getattr(model_admin, "shared_catalogue", False)
        allowed = _held(user, model_admin.scoped_roles) if path else set()
        sees = hub_admin or bool(allowed) or (shared and role != "resident")
        row = _foreign_row(model, services)
        if path is not None and row is None:
            problems.append(f"{label}: the matrix builds no row of « Pôle Services » (add one to _side)")
            continue

        # The list: only rows of the person's structures (everything for a hub admin).
        page = client.get(_url(model, "changelist"))
        if not sees:
            if not _refused(page):
                problems.append(f"{label}: list answers {page.status_code}, expected a refusal")
        elif page.status_code != 200:
            problems.append(f"{label}: list answers {page.status_code}")
        else:
            shown = list(page.context["cl"].queryset)
            if hub_admin:
                if len(shown) != model._default_manager.count():
                    problems.append(f"{label}: a hub admin sees {len(shown)} of {model._default_manager.count()}")
            elif not shared:
                outside = [obj for obj in shown if structure_id_of(obj, path) not in allowed]
                if outside:
                    problems.append(f"{label}: list shows another structure's rows {outside}")
                own = _foreign_row(model, jardins)
                if own is not None and jardins.structure.pk in allowed and own not in shown:
                    problems.append(f"{label}: list hides the person's own structure's row")
            if not hub_admin and services.structure.name in page.content.decode():
                problems.append(f"{label}: list (filters) names « {services.structure.name} »")

        # The add form: no choice belongs to the other structure.
        add = client.get(_url(model, "add"))
        if add.status_code == 200 and not hub_admin:
            for name, queryset in _choice_fields(add):
                leaked = {(type(obj), obj.pk) for obj in queryset} & foreign
                if leaked:
                    problems.append(f"{label}: add form {name} offers {len(leaked)} object(s) of « Pôle Services »")
                if queryset.model is get_user_model():
                    colleagues = get_user_model().objects.filter(
                        structure_roles__structure__in=_held(user, StaffRole.values)
                    )
                    if set(queryset) - set(colleagues):
                        problems.append(f"{label}: add form {name} offers people outside the user's structures")
        elif add.status_code not in {200, 403} and not _refused(add):
            problems.append(f"{label}: add form answers {add.status_code}")

        # Another structure's row: not opened, not changed, not deleted (one by one or in bulk).
        target = row or model._default_manager.first()
        if target is None:
            continue
        before = model_to_dict(target)
        change = client.get(_url(model, "change", target.pk))
        if hub_admin:
            if change.status_code != 200:
                problems.append(f"{label}: a hub admin cannot open a row ({change.status_code})")
            continue
        if shared and role != "resident":
            if change.status_code != 200:  # read by every staff member, changed by hub admins only
                problems.append(f"{label}: the shared catalogue does not open ({change.status_code})")
        elif not _refused(change):
            problems.append(f"{label}: change page of a foreign row answers {change.status_code}")
        if not _refused(client.post(_url(model, "change", target.pk), {})):
            problems.append(f"{label}: a POST on a foreign row is not refused")
        if not _refused(client.post(_url(model, "delete", target.pk), {"post": "yes"})):
            problems.append(f"{label}: deleting a foreign row is not refused")
        client.post(
            _url(model, "changelist"),
            {"action": "delete_selected", admin.helpers.ACTION_CHECKBOX_NAME: [target.pk], "post": "yes"},
        )
        if not model._default_manager.filter(pk=target.pk).exists():
            problems.append(f"{label}: a bulk delete removed a foreign row")
        elif model_to_dict(model._default_manager.get(pk=target.pk)) != before:
            problems.append(f"{label}: a foreign row was changed")
    assert problems == [], "\n".join(problems)


def test_every_admin_declares_its_scope():
    """A ModelAdmin of the project that does not say which structure its rows belong to fails here
    (the site still makes it hub-admin-only: it fails closed)."""
    undeclared = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not (isinstance(model_admin, ScopedAdmin) and model_admin.scope_declared)
    }
    assert undeclared == HUB_ONLY_BY_THE_SITE
    for label in HUB_ONLY_BY_THE_SITE:
        model_admin = admin.site._registry[next(m for m in admin.site._registry if m._meta.label == label)]
        assert (model_admin.structure_field, model_admin.scoped_roles) == (None, ())


def _form_data(response) -> dict:
    """What the change page would post back unchanged: its form and inline formsets, as rendered."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            add(form)
    return data


def test_the_jardins_supervisor_cannot_suspend_a_pass_of_pole_services(client, hub):
    jardins, services, people = hub
    client.force_login(people["supervisor"])
    page = client.get(reverse("admin:insertion_approvalsuspension_add"))
    offered = set(page.context["adminform"].form.fields["approval"].queryset)
    assert offered == {jardins.rows["approval"]}
    count = ApprovalSuspension.objects.count()

    response = client.post(
        reverse("admin:insertion_approvalsuspension_add"),
        {
            "approval": services.rows["approval"].pk,
            "reason": "sickness",
            "start_date": "2026-04-01",
            "end_date": "2026-04-30",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["approval"] == [
        "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
    ]
    assert ApprovalSuspension.objects.count() == count


def test_the_jardins_supervisor_cannot_move_a_worker_into_a_pole_services_team(client, hub):
    jardins, services, people = hub
    worker = jardins.rows["worker"]
    client.force_login(people["supervisor"])
    page = client.get(reverse("admin:insertion_worker_change", args=[worker.pk]))
    assert set(page.context["adminform"].form.fields["team"].queryset) == {jardins.rows["team"]}
    data = _form_data(page)
    data["team"] = str(services.rows["team"].pk)

    response = client.post(reverse("admin:insertion_worker_change", args=[worker.pk]), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["team"] == [
        "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
    ]
    assert Worker.objects.get(pk=worker.pk).team_id == jardins.rows["team"].pk


def test_the_team_form_lists_only_the_structures_staff(client, hub):
    jardins, services, people = hub
    client.force_login(people["supervisor"])
    page = client.get(reverse("admin:insertion_team_add"))
    offered = set(page.context["adminform"].form.fields["supervisors"].queryset)
    # The Jardins' staff (the four roles, and the reception staff the order and booking factories made).
    assert offered == set(get_user_model().objects.filter(structure_roles__structure=jardins.structure))
    assert set(jardins.people.values()) <= offered
    assert get_user_model().objects.count() > len(offered) + len(services.people)
    team = jardins.rows["team"]

    response = client.post(
        reverse("admin:insertion_team_change", args=[team.pk]),
        {"structure": jardins.structure.pk, "name": team.name, "supervisors": [services.people["supervisor"].pk]},
    )

    assert response.status_code == 200
    assert "supervisors" in response.context["adminform"].form.errors
    assert list(team.supervisors.all()) == [jardins.people["supervisor"]]


def test_a_worker_is_not_moved_to_another_structures_team_even_by_staff_of_both(client, hub):
    """Someone supervising both structures picks among both teams, but a worker stays in a team of their own
    structure: the save is refused with a French message."""
    jardins, services, people = hub
    both = people["supervisor"]
    StructureRoleFactory(user=both, structure=services.structure, role=StaffRole.SUPERVISOR)
    worker = jardins.rows["worker"]
    client.force_login(both)
    data = _form_data(client.get(reverse("admin:insertion_worker_change", args=[worker.pk])))
    data["team"] = str(services.rows["team"].pk)

    response = client.post(reverse("admin:insertion_worker_change", args=[worker.pk]), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["team"] == [
        f"« {services.rows['team']} » appartient à une autre structure que cette fiche."
    ]
    assert Worker.objects.get(pk=worker.pk).team_id == jardins.rows["team"].pk


def test_people_are_not_looked_up_through_the_autocomplete(client, hub):
    jardins, services, people = hub
    client.force_login(people["manager"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "hub", "model_name": "structurerole", "field_name": "user", "term": "personne"},
    )
    assert response.status_code == 403
    skills = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "services", "model_name": "offering", "field_name": "required_skill", "term": ""},
    )
    assert skills.status_code == 200  # the skill catalogue is shared by the whole hub


def test_the_supervisor_still_suspends_a_pass_and_moves_a_worker_of_their_structure(client, hub):
    jardins, services, people = hub
    client.force_login(people["supervisor"])
    approval = jardins.rows["approval"]
    response = client.post(
        reverse("admin:insertion_approvalsuspension_add"),
        {"approval": approval.pk, "reason": "sickness", "start_date": "2026-04-01", "end_date": "2026-04-30"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert approval.suspensions.filter(start_date=datetime.date(2026, 4, 1)).count() == 1

    worker = jardins.rows["worker"]
    other_team = TeamFactory(structure=jardins.structure)
    data = _form_data(client.get(reverse("admin:insertion_worker_change", args=[worker.pk])))
    data["team"] = str(other_team.pk)
    response = client.post(reverse("admin:insertion_worker_change", args=[worker.pk]), data)
    assert response.status_code == 302, [
        response.context["adminform"].form.errors,
        *[inline.formset.errors for inline in response.context["inline_admin_formsets"]],
    ]
    assert Worker.objects.get(pk=worker.pk).team_id == other_team.pk


def test_a_seller_does_not_set_its_own_platform_commission(client, hub):
    jardins, services, people = hub
    settings = jardins.rows["settings"]
    SellerSettings.objects.filter(pk=settings.pk).update(platform_fee_percent=Decimal("2.00"))
    client.force_login(people["manager"])
    page = client.get(reverse("admin:marketplace_sellersettings_change", args=[settings.pk]))
    data = _form_data(page)
    assert "platform_fee_percent" not in data
    data["platform_fee_percent"] = "0"
    del data["accepts_cheque"]  # unticked

    response = client.post(reverse("admin:marketplace_sellersettings_change", args=[settings.pk]), data)

    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.platform_fee_percent, settings.accepts_cheque) == (Decimal("2.00"), False)
