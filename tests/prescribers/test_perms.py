"""A prescriber's members are its social workers, not buyers for it: the customer organisations' roles leave
the prescribers out, in the same one query."""

import pytest

from hub import perms
from tests.accounts.factories import UserFactory
from tests.hub.factories import OrganisationFactory
from tests.prescribers.factories import PrescriberFactory, social_worker_of

pytestmark = pytest.mark.django_db


def test_a_social_worker_is_not_a_member_of_a_customer_organisation(django_assert_num_queries):
    ccas, club = PrescriberFactory(), OrganisationFactory()
    worker = social_worker_of(ccas)
    club.members.add(worker)
    worker.refresh_from_db()

    with django_assert_num_queries(1):
        assert perms.prescriber_organisations(worker) == [ccas.pk]
        assert list(perms.organisation_roles(worker)) == [club.pk]
        assert perms.is_social_worker(worker) is True
        assert perms.can_order_for_organisation(worker, ccas) is False
        assert perms.can_order_for_organisation(worker, club) is True


def test_a_customer_is_no_social_worker():
    customer = UserFactory()
    OrganisationFactory(members=[customer])

    assert (perms.is_social_worker(customer), perms.prescriber_organisations(customer)) == (False, [])
