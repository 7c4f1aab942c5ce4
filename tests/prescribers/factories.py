"""Prescriber organisations, their social workers and supports, built from nothing (never the demo seed)."""

import datetime

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from hub.enums import OrganisationRole, PrescriberKind
from hub.models import OrganisationMembership
from prescribers.enums import SupportGround
from prescribers.models import Support
from tests.accounts.factories import UserFactory
from tests.hub.factories import OrganisationFactory


class PrescriberFactory(OrganisationFactory):
    """A CCAS (`kind=` another PrescriberKind)."""

    name = factory.Sequence(lambda n: f"CCAS d'essai {n}")
    slug = factory.Sequence(lambda n: f"ccas-essai-{n}")
    prescriber_kind = PrescriberKind.CCAS


def social_worker_of(organisation, *, head: bool = False, **kwargs):
    user = UserFactory(**kwargs)
    OrganisationMembership.objects.create(
        user=user, organisation=organisation, role=OrganisationRole.ADMIN if head else OrganisationRole.MEMBER
    )
    return user


class SupportFactory(factory.django.DjangoModelFactory):
    """An open support awaiting the person's consent, for six months from today.

    Traits: `consented` (the person agreed), `withdrawn` (agreed, then withdrew: closed), `closed`."""

    class Meta:
        model = Support

    organisation = factory.SubFactory(PrescriberFactory)
    person = factory.SubFactory(UserFactory)
    opened_by = factory.LazyAttribute(lambda o: social_worker_of(o.organisation))
    ground = SupportGround.MINIMA_SOCIAUX
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + relativedelta(months=6))

    class Params:
        consented = factory.Trait(consent_at=factory.LazyFunction(timezone.now))
        withdrawn = factory.Trait(
            consent_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2)),
            consent_withdrawn_at=factory.LazyFunction(timezone.now),
            closed_at=factory.LazyFunction(timezone.now),
        )
        closed = factory.Trait(
            consent_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2)),
            closed_at=factory.LazyFunction(timezone.now),
        )
