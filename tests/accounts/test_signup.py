import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from hub.models import OutboundEmail
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Courgettes-et-Poireaux-2026"


def _signup(client, email="nouvelle@exemple.test"):
    return client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def test_signup_page_is_in_french(client):
    response = client.get(reverse("account_signup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "Inscription" in html
    assert "Mot de passe" in html


def test_signup_sends_a_french_verification_mail_then_login_works(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves through the outbox
        response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="nouvelle@exemple.test")
    assert EmailAddress.objects.get(user=user).verified is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle@exemple.test"]
    assert message.subject.startswith("[Pôle Économie Solidaire] ")
    assert "Confirm" in message.subject  # allauth's French subject: « Confirmer l'adresse e-mail »
    assert message.body.startswith("Bonjour, c'est Pôle Économie Solidaire !")
    assert "Vous recevez cet e-mail car l'utilisateur nouvelle@exemple.test a indiqué votre adresse" in message.body
    link = re.search(r"http://testserver(/auth/confirm-email/[^/\s]+/)", message.body)
    assert link is not None, message.body

    # Not verified yet: signing in is refused and re-sends the mail.
    client.logout()
    response = client.post(reverse("account_login"), {"login": "nouvelle@exemple.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    confirm_page = client.get(link.group(1))
    assert confirm_page.status_code == 200
    assert "Confirmer" in confirm_page.content.decode()
    response = client.post(link.group(1))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True

    client.logout()
    response = client.post(reverse("account_login"), {"login": "nouvelle@exemple.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")  # a resident lands on their dashboard
    page = client.get(reverse("accounts:account"))
    assert "nouvelle@exemple.test" in page.content.decode()


def test_wrong_password_shows_a_french_error_and_stays_anonymous(client):
    UserFactory(email="camille.martin@exemple.test")
    response = client.post(reverse("account_login"), {"login": "camille.martin@exemple.test", "password": "faux"})
    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_with_an_existing_email_creates_nothing_and_warns_the_owner(client, django_capture_on_commit_callbacks):
    UserFactory(email="camille.martin@exemple.test")
    # allauth prevents account enumeration: the page looks the same, the owner gets a mail.
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, email="CAMILLE.MARTIN@exemple.test")
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="camille.martin@exemple.test").count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille.martin@exemple.test"]
    assert "existe déjà" in mail.outbox[0].subject


def test_password_reset_mail_is_in_french(client, django_capture_on_commit_callbacks):
    UserFactory(email="camille.martin@exemple.test")
    before = set(OutboundEmail.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves through the outbox
        response = client.post(reverse("account_reset_password"), {"email": "camille.martin@exemple.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "mot de passe" in mail.outbox[0].subject.lower()
    assert "/auth/password/reset/key/" in mail.outbox[0].body
    # Its one-time link is not kept in the outbox once the e-mail has left.
    [email] = OutboundEmail.objects.exclude(pk__in=before)
    assert (email.state, email.recipients, email.body, email.html_body) == (
        "sent", ["camille.martin@exemple.test"], "", "",
    )  # fmt: skip


def test_a_signup_while_the_mail_server_is_down_works_and_its_email_waits(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # refused
    before = set(OutboundEmail.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, email="hors-ligne@exemple.test")  # allauth limits re-sends per address
    assert (response.status_code, response["Location"]) == (302, reverse("account_email_verification_sent"))
    [email] = OutboundEmail.objects.exclude(pk__in=before)
    assert (email.state, email.attempts, email.recipients) == ("pending", 1, ["hors-ligne@exemple.test"])
    assert email.last_error.startswith("ConnectionRefusedError")
    assert "/auth/confirm-email/" in email.body  # kept until it is sent: the sweep sends this text
    assert mail.outbox == []
