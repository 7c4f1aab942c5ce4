from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import events, personal_data
from accounts.exceptions import AccountError
from accounts.models import ApiToken, User

# A person's live API tokens at most: enough for a few tools, not a way to fill the table.
MAX_ACTIVE_API_TOKENS = 10


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
        "jetons_api": [
            {
                "nom": token.name,
                "cree_le": token.created_at.isoformat(),
                "expire_le": token.expires_at.isoformat(),
                "derniere_utilisation": token.last_used_at.isoformat() if token.last_used_at else None,
                "revoque_le": token.revoked_at.isoformat() if token.revoked_at else None,
            }
            for token in ApiToken.objects.filter(user=user)
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
    ApiToken.objects.filter(user=user).delete()
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


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`, valid API_TOKEN_TTL_DAYS days; returned with its secret, which
    is shown once and never stored (only its digest is). A person keeps at most
    MAX_ACTIVE_API_TOKENS live tokens."""
    name = name.strip()
    if not name:
        raise AccountError(_("Donnez un nom au jeton, par exemple l'outil qui s'en servira."))
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise AccountError(_("Le nom du jeton ne doit pas dépasser 100 caractères."))
    # The person's row is locked so that two parallel creations cannot both pass the cap.
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    if ApiToken.objects.filter(user=user).active(at=now).count() >= MAX_ACTIVE_API_TOKENS:
        raise AccountError(
            _("Vous avez déjà %(count)s jetons actifs : révoquez-en un avant d'en créer un autre.")
            % {"count": MAX_ACTIVE_API_TOKENS}
        )
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],
        digest=ApiToken.digest_of(secret),
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once and for good; revoking it again changes nothing."""
    token = ApiToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
