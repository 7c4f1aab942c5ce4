"""hub.outbox: one row, one e-mail — even when two workers take it at once; failures are recorded with
an exponential, capped backoff."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.actions import delete_account, export_personal_data
from hub import notify, outbox
from hub.enums import EmailState
from hub.models import OutboundEmail
from tests.accounts.factories import PASSWORD, UserFactory
from tests.broker import broker_down
from tests.concurrency import run_in_threads


def _pending_message(subject: str = "Bonjour") -> int:
    """A rendered e-mail left pending in the outbox (the broker was down when it was queued)."""
    with broker_down():
        return notify.message_on_commit(subject=subject, body="…", recipients=["b@example.org", "a@example.org", ""])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_row_at_once_send_one_email(settings):
    settings.OUTBOX_TEST_SEND_DELAY_SECONDS = 1  # the first one holds the row while it "sends"
    email_id = _pending_message()

    results = run_in_threads(2, lambda _index: outbox.send_outbound_email(email_id=email_id))

    assert sorted(results, key=str) == [None, EmailState.SENT]
    assert [(m.subject, m.to) for m in mail.outbox] == [("Bonjour", ["a@example.org", "b@example.org"])]
    email = OutboundEmail.objects.get(pk=email_id)
    assert (email.state, email.attempts) == (EmailState.SENT, 1)


@pytest.mark.django_db
def test_an_email_without_composer_is_recorded_as_a_failed_attempt(settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        email_id = notify.email_on_commit("tests.nobody", 1)

    email = OutboundEmail.objects.get(pk=email_id)
    assert (email.state, email.attempts, email.sent_at) == (EmailState.PENDING, 1, None)
    assert email.last_error == "LookupError: Aucun rédacteur d'e-mail enregistré pour « tests.nobody »."
    assert email.next_attempt_at >= started + datetime.timedelta(seconds=60)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_composer_with_nothing_to_send_leaves_the_row_without_object(django_capture_on_commit_callbacks):
    outbox.register("tests.hub.nothing", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        email_id = notify.email_on_commit("tests.hub.nothing")

    email = OutboundEmail.objects.get(pk=email_id)
    assert (email.state, email.attempts, email.sent_at) == (EmailState.SKIPPED, 1, None)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_rendered_email_needs_a_recipient():
    before = OutboundEmail.objects.count()
    assert notify.message_on_commit(subject="Bonjour", body="…", recipients=["", ""]) is None
    assert OutboundEmail.objects.count() == before


def test_the_backoff_doubles_and_is_capped(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 60, 3600
    assert [outbox.retry_delay(attempts).total_seconds() for attempts in (1, 2, 3, 6, 7, 20)] == [
        60, 120, 240, 1920, 3600, 3600,
    ]  # fmt: skip


def test_the_sweep_runs_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-outbox"]
    assert (entry["task"], str(entry["schedule"])) == ("hub.sweep_outbox", "<crontab: * * * * * (m/h/dM/MY/d)>")


@pytest.mark.django_db
def test_account_deletion_erases_the_persons_address_from_the_outbox(django_capture_on_commit_callbacks):
    person = UserFactory(email="camille@exemple.test")
    with django_capture_on_commit_callbacks(execute=True):
        alone = notify.message_on_commit(subject="Votre commande", body="…", recipients=["Camille@exemple.test"])
        shared = notify.message_on_commit(
            subject="Alerte", body="…", recipients=["camille@exemple.test", "direction@exemple.test"]
        )
        other = notify.message_on_commit(subject="Autre", body="…", recipients=["dominique@exemple.test"])

    assert [(row["sujet"], row["etat"]) for row in export_personal_data(user=person)["e-mails"]] == [
        ("Votre commande", "Envoyé"),
        ("Alerte", "Envoyé"),
    ]

    delete_account(user=person, password=PASSWORD)

    assert not OutboundEmail.objects.filter(pk=alone).exists()
    assert OutboundEmail.objects.get(pk=shared).recipients == ["direction@exemple.test"]
    assert OutboundEmail.objects.get(pk=other).recipients == ["dominique@exemple.test"]


@pytest.mark.django_db
def test_an_email_to_a_closed_accounts_address_is_never_sent(django_capture_on_commit_callbacks):
    """A deleted account's address is `supprime-<id>@invalid.invalid`: what still concerns it (the
    cancellation of its future bookings) is skipped, and the other recipients still get theirs."""
    with django_capture_on_commit_callbacks(execute=True):
        alone = notify.message_on_commit(subject="Annulée", body="…", recipients=["supprime-7@invalid.invalid"])
        shared = notify.message_on_commit(
            subject="Annulée", body="…", recipients=["supprime-7@invalid.invalid", "equipe@example.org"]
        )

    assert OutboundEmail.objects.get(pk=alone).state == EmailState.SKIPPED
    assert OutboundEmail.objects.get(pk=shared).state == EmailState.SENT
    assert [(m.subject, m.to) for m in mail.outbox] == [("Annulée", ["equipe@example.org"])]
