"""The one state-machine helper (hub.statemachine): table, timestamps, cleared fields, log rows, bulk moves.

It is exercised on a real model with a status and a log (the waiting list of basket subscriptions),
with machines declared here so that each behaviour is shown on its own.
"""

import datetime

import pytest

from hub.exceptions import InvalidTransition
from hub.statemachine import StateMachine
from subscriptions.enums import WaitingStatus
from subscriptions.exceptions import InvalidSubscriptionTransition
from subscriptions.models import WAITING_STATUS, SubscriptionPlan, WaitingListEntry, WaitingListEntryTransition
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory
from tests.services.factories import OfferingFactory

AT = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def entries(db):
    plan = SubscriptionPlan.objects.create(
        offering=OfferingFactory(),
        size_label="Petit",
        frequency="weekly",
        season_start=datetime.date(2026, 11, 2),
        season_end=datetime.date(2027, 3, 29),
        weekday=1,
    )
    point = SiteFactory(pickup_point=True)
    return [WaitingListEntry.objects.create(customer=UserFactory(), plan=plan, pickup_point=point) for _ in range(3)]


def test_a_table_naming_an_unknown_status_is_refused_when_declared():
    with pytest.raises(ValueError, match=r"status: unknown statuses in the transition table: \['archived'\]"):
        StateMachine(field="status", choices=WaitingStatus, transitions={WaitingStatus.WAITING: {"archived"}})


def test_move_sets_the_status_its_timestamp_and_logs_who_when_and_why(entries):
    entry = entries[0]
    by = UserFactory()

    WAITING_STATUS.move(entry, WaitingStatus.NOTIFIED, by=by, note="Place libérée", at=AT)
    entry.save(update_fields=WAITING_STATUS.fields_set(WaitingStatus.NOTIFIED))

    entry.refresh_from_db()
    assert (entry.status, entry.notified_at) == (WaitingStatus.NOTIFIED, AT)
    assert list(entry.transitions.values_list("field", "from_status", "to_status", "by", "note", "at")) == [
        ("status", "waiting", "notified", by.pk, "Place libérée", AT)
    ]


def test_a_move_outside_the_table_raises_the_apps_error_and_changes_nothing(entries):
    entry = entries[0]
    WAITING_STATUS.move(entry, WaitingStatus.SUBSCRIBED, at=AT)
    entry.save(update_fields=["status"])

    with pytest.raises(InvalidSubscriptionTransition) as refused:
        WAITING_STATUS.move(entry, WaitingStatus.NOTIFIED, at=AT)

    assert isinstance(refused.value, InvalidTransition)
    assert (refused.value.code, refused.value.message) == (
        "invalid_transition",
        "Changement d'état impossible : de « Abonnée » à « Place proposée ».",
    )
    assert (refused.value.field, refused.value.current, refused.value.target) == ("status", "subscribed", "notified")
    assert (entry.status, entry.notified_at) == (WaitingStatus.SUBSCRIBED, None)
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.SUBSCRIBED
    assert list(entry.transitions.values_list("to_status", flat=True)) == ["subscribed"]


def test_cleared_fields_are_set_back_to_none_and_written(entries):
    entry = entries[0]
    machine = StateMachine(
        field="status",
        choices=WaitingStatus,
        transitions={WaitingStatus.WAITING: {WaitingStatus.NOTIFIED}, WaitingStatus.NOTIFIED: {WaitingStatus.WAITING}},
        timestamps={WaitingStatus.NOTIFIED: "notified_at"},
        clears={WaitingStatus.WAITING: ["notified_at"]},
    )
    machine.move(entry, WaitingStatus.NOTIFIED, at=AT)
    entry.save()

    machine.move(entry, WaitingStatus.WAITING, at=AT)
    entry.save(update_fields=machine.fields_set(WaitingStatus.WAITING))

    entry.refresh_from_db()
    assert (entry.status, entry.notified_at) == (WaitingStatus.WAITING, None)
    assert machine.fields_set(WaitingStatus.WAITING) == ["status", "notified_at"]


def test_move_all_moves_only_the_rows_that_may_move_in_one_update_with_a_log_row_each(
    entries, django_assert_num_queries
):
    first, second, third = entries
    WAITING_STATUS.move(third, WaitingStatus.WITHDRAWN, at=AT)
    third.save(update_fields=["status"])
    queryset = WaitingListEntry.objects.filter(pk__in=[first.pk, second.pk, third.pk])

    # One read of the rows that may move, one UPDATE, one INSERT of the log rows.
    with django_assert_num_queries(3):
        moved = WAITING_STATUS.move_all(queryset, WaitingStatus.NOTIFIED, note="Places libérées", at=AT)

    assert moved == 2
    assert dict(queryset.values_list("pk", "status")) == {
        first.pk: WaitingStatus.NOTIFIED,
        second.pk: WaitingStatus.NOTIFIED,
        third.pk: WaitingStatus.WITHDRAWN,
    }
    assert set(queryset.values_list("pk", "notified_at")) == {(first.pk, AT), (second.pk, AT), (third.pk, None)}
    assert sorted(
        WaitingListEntryTransition.objects.filter(to_status="notified").values_list("entry_id", "from_status", "note")
    ) == sorted([(first.pk, "waiting", "Places libérées"), (second.pk, "waiting", "Places libérées")])


def test_move_all_with_nothing_to_move_writes_nothing(entries, django_assert_num_queries):
    with django_assert_num_queries(1):
        moved = WAITING_STATUS.move_all(
            WaitingListEntry.objects.filter(status=WaitingStatus.EXPIRED), WaitingStatus.NOTIFIED, at=AT
        )

    assert moved == 0
    assert WaitingListEntryTransition.objects.count() == 0


def test_log_start_records_the_status_a_row_starts_in(entries):
    entry = entries[0]

    WAITING_STATUS.log_start(entry, note="Inscription", at=AT)

    assert list(entry.transitions.values_list("field", "from_status", "to_status", "note", "at")) == [
        ("status", "", "waiting", "Inscription", AT)
    ]
