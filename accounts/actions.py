from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts import events, personal_data
from accounts.exceptions import AccountError
from accounts.models import User


def export_personal_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about a person, as JSON-ready data (RGPD art. 15 and 20)."""
    data: dict[str, Any] = {
        "profil": {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "inscrit_le": user.date_joined.isoformat(),
            "derniere_connexion": user.last_login.isoformat() if user.last_login else None,
        },
        "adresses_email": [
            {"email": address.email, "verifiee": address.verified, "principale": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
    }
    for section in personal_data.sections():
        data[section.name] = section.export(user)
    return data


@transaction.atomic
def delete_account(*, user: User, password: str) -> None:
    """Erase a person's account (RGPD art. 17).

    What is still to come ends with it: each app cancels the person's future bookings, subscriptions
    and waiting-list places on `account_closing` (with the usual refunds), then erases its data.

    The row is anonymised rather than deleted: invoices and ledgers must be kept ten years
    and they snapshot the buyer's name and address, so nothing legal depends on this row.
    """
    if user.anonymised_at is not None:
        raise AccountError(_("Ce compte a déjà été supprimé."))
    if not user.check_password(password):
        raise AccountError(_("Le mot de passe est incorrect : le compte n'a pas été supprimé."))
    at = timezone.now()
    # Future bookings, subscriptions and waiting-list places end first, while the row still names the person.
    events.account_closing.send(sender=User, user=user, at=at)
    for section in personal_data.sections():
        if section.erase is not None:
            section.erase(user)
    EmailAddress.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    user.email = f"supprime-{user.pk}@invalid.invalid"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.anonymised_at = at
    # A new password hash invalidates every open session of this account (session auth hash).
    user.set_unusable_password()
    user.save()
