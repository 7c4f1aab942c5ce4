"""The supports' workflows: opening (a person found by e-mail, or invited), consent (in writing or in the
person's account), the solidarity tier granted and ended exactly, refusals that change nothing."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone

from hub.models import OutboundEmail
from marketplace.actions.cart import has_solidarity_pricing
from marketplace.models import SolidarityStatus
from prescribers import actions
from prescribers.enums import SupportEventKind, SupportGround, SupportStatus
from prescribers.exceptions import SupportError
from prescribers.models import Support
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CustomerFactory, SolidarityStatusFactory
from tests.prescribers.factories import PrescriberFactory, SupportFactory, social_worker_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ccas():
    return PrescriberFactory(name="CCAS de Moret")


@pytest.fixture
def worker(ccas):
    return social_worker_of(ccas, first_name="Hélène")


def _open(ccas, worker, email="", **overrides):
    today = timezone.localdate()
    values = {
        "organisation": ccas, "email": email, "ground": SupportGround.MINIMA_SOCIAUX, "starts_on": today,
        "ends_on": today + relativedelta(months=6), "by": worker,
    }  # fmt: skip
    return actions.open_support(**{**values, **overrides})


def _kinds(support):
    return list(support.events.order_by("at", "pk").values_list("kind", flat=True))


def test_a_support_for_a_person_with_an_account_waits_for_their_consent(ccas, worker):
    person = CustomerFactory()

    support = _open(ccas, worker, person.email.upper(), grant_tier=True)

    assert (support.person, support.opened_by, support.status) == (person, worker, SupportStatus.AWAITING_CONSENT)
    assert _kinds(support) == [SupportEventKind.OPENED]
    assert not SolidarityStatus.objects.filter(user=person).exists()  # nothing granted before consent


def test_a_person_without_an_account_is_invited_to_choose_a_password(ccas, worker):
    support = _open(ccas, worker, "nouvelle.personne@exemple.test", first_name="Inès", last_name="Robin")

    person = support.person
    assert (person.email, person.first_name, person.last_name) == ("nouvelle.personne@exemple.test", "Inès", "Robin")
    assert person.has_usable_password() is False
    assert list(EmailAddress.objects.filter(user=person).values_list("email", "verified", "primary")) == [
        ("nouvelle.personne@exemple.test", False, True)
    ]
    email = OutboundEmail.objects.get(recipients=["nouvelle.personne@exemple.test"])
    assert email.subject == "[Pôle Économie Solidaire] Votre compte sur le site du Pôle"
    assert "/auth/password/reset/key/" in email.body
    assert "Qui m'accompagne" in email.body


def test_an_unknown_address_needs_a_name(ccas, worker):
    users = get_user_model().objects.count()

    with pytest.raises(SupportError) as refused:
        _open(ccas, worker, "inconnue@exemple.test")

    assert "indiquez le prénom et le nom" in refused.value.message
    assert get_user_model().objects.count() == users
    assert not Support.objects.filter(organisation=ccas).exists()


def test_consent_in_writing_grants_the_tier_until_the_end_of_the_support(ccas, worker):
    person = CustomerFactory()

    support = _open(ccas, worker, person.email, grant_tier=True, consent_in_writing=True)

    assert (support.status, support.consent_recorded_by) == (SupportStatus.ACTIVE, worker)
    status = SolidarityStatus.objects.get(user=person)
    assert (status.valid_until, status.verified_by, status.note) == (
        support.ends_on,
        worker,
        "CCAS de Moret — Minima sociaux",
    )
    assert has_solidarity_pricing(person) is True
    assert _kinds(support) == [SupportEventKind.OPENED, SupportEventKind.CONSENT_GIVEN, SupportEventKind.TIER_GRANTED]


def test_the_person_accepting_grants_the_tier(ccas, worker):
    support = SupportFactory(organisation=ccas, opened_by=worker, grants_tier=True)

    actions.accept_support(support=support, by=support.person)

    support.refresh_from_db()
    assert support.status == SupportStatus.ACTIVE
    assert support.consent_recorded_by is None
    assert SolidarityStatus.objects.get(user=support.person).valid_until == support.ends_on


def test_the_tier_is_never_granted_beyond_a_year(ccas, worker):
    today = timezone.localdate()
    starts = today + datetime.timedelta(days=60)
    support = _open(ccas, worker, CustomerFactory().email, grant_tier=True, consent_in_writing=True,
                    starts_on=starts, ends_on=starts + relativedelta(months=12))  # fmt: skip

    assert SolidarityStatus.objects.get(user=support.person).valid_until == today + relativedelta(years=1) - (
        datetime.timedelta(days=1)
    )


def test_withdrawing_consent_closes_the_support_and_ends_the_tier_today(ccas, worker):
    person = CustomerFactory()
    support = _open(ccas, worker, person.email, grant_tier=True, consent_in_writing=True)

    actions.withdraw_consent(support=support, by=person)

    support.refresh_from_db()
    assert support.status == SupportStatus.WITHDRAWN
    assert support.closed_at == support.consent_withdrawn_at
    assert SolidarityStatus.objects.get(user=person).valid_until == timezone.localdate()
    assert _kinds(support)[-2:] == [SupportEventKind.CONSENT_WITHDRAWN, SupportEventKind.TIER_ENDED]


def test_closing_gives_back_the_staff_date_it_had_extended(ccas, worker):
    person = CustomerFactory()
    staff_until = timezone.localdate() + datetime.timedelta(days=10)
    SolidarityStatusFactory(user=person, valid_until=staff_until)
    support = _open(ccas, worker, person.email, grant_tier=True, consent_in_writing=True)
    assert SolidarityStatus.objects.get(user=person).valid_until == support.ends_on

    actions.close_support(support=support, by=worker)

    assert SolidarityStatus.objects.get(user=person).valid_until == staff_until


def test_a_longer_status_verified_by_staff_is_left_alone(ccas, worker):
    person = CustomerFactory()
    staff = SolidarityStatusFactory(user=person, valid_until=timezone.localdate() + relativedelta(months=11))
    support = _open(ccas, worker, person.email, grant_tier=True, consent_in_writing=True)

    actions.close_support(support=support, by=worker)

    status = SolidarityStatus.objects.get(user=person)
    assert (status.valid_until, status.verified_by_id, status.note) == (
        staff.valid_until,
        staff.verified_by_id,
        "Attestation CAF",
    )
    assert support.tier_until is None


def test_a_status_verified_again_by_staff_since_is_theirs(ccas, worker):
    person = CustomerFactory()
    support = _open(ccas, worker, person.email, grant_tier=True, consent_in_writing=True)
    staff_member = UserFactory()
    SolidarityStatus.objects.filter(user=person).update(verified_by=staff_member, verified_at=timezone.now())

    actions.close_support(support=support, by=worker)

    assert SolidarityStatus.objects.get(user=person).valid_until == support.ends_on


def _snapshot(ccas):
    return (
        Support.objects.filter(organisation=ccas).count(),
        get_user_model().objects.count(),
        SolidarityStatus.objects.count(),
        list(Support.objects.filter(organisation=ccas).values_list("closed_at", "consent_at", "consent_withdrawn_at")),
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"note": "suivi\x00"}, "La note contient un caractère interdit."),
        ({"note": "x" * 201}, "La note dépasse 200 caractères."),
        ({"ends_on": timezone.localdate() - datetime.timedelta(days=1)}, "La fin de l'accompagnement précède son début."),
        ({"ends_on": timezone.localdate() + relativedelta(months=12, days=1)}, "Un accompagnement dure douze mois au plus."),
        ({"email": "pas-une-adresse"}, "Adresse e-mail invalide."),
        ({"ground": "sante"}, "Choisissez un motif dans la liste."),
        ({"starts_on": timezone.localdate() - datetime.timedelta(days=40)},
         "Le début ne peut pas précéder aujourd'hui de plus d'un mois."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_in_french_and_writes_nothing(ccas, worker, overrides, message):
    person = CustomerFactory()
    before = _snapshot(ccas)

    with pytest.raises(SupportError) as refused:
        _open(ccas, worker, **{"email": person.email, **overrides})

    assert refused.value.message == message
    assert _snapshot(ccas) == before


def test_refusals_change_nothing(ccas, worker):
    person, stranger = CustomerFactory(), CustomerFactory()
    support = _open(ccas, worker, person.email, grant_tier=True)
    outsider = social_worker_of(PrescriberFactory())
    before = _snapshot(ccas)

    for attempt, message in [
        (lambda: _open(ccas, outsider, stranger.email), "Seul·e un·e travailleur·se social·e de cette organisation"),
        (lambda: _open(ccas, worker, person.email), "a déjà un accompagnement en cours"),
        (lambda: actions.accept_support(support=support, by=worker), "Seule la personne accompagnée"),
        (lambda: actions.withdraw_consent(support=support, by=stranger), "Seule la personne accompagnée"),
        (lambda: actions.close_support(support=support, by=outsider), "Seul·e un·e travailleur·se social·e"),
        (lambda: _open(ccas, worker, worker.email), "vous accompagner vous-même"),
    ]:
        with pytest.raises(SupportError) as refused:
            attempt()
        assert message in refused.value.message
        assert _snapshot(ccas) == before


def test_a_closed_support_cannot_be_closed_accepted_or_withdrawn_again(ccas, worker):
    support = SupportFactory(organisation=ccas, closed=True)
    before = _snapshot(ccas)

    for attempt in (
        lambda: actions.close_support(support=support, by=worker),
        lambda: actions.accept_support(support=support, by=support.person),
        lambda: actions.withdraw_consent(support=support, by=support.person),
    ):
        with pytest.raises(SupportError):
            attempt()
    assert _snapshot(ccas) == before
