"""The supports' workflows. Each refusal raises `SupportError` with a French sentence and writes nothing.

Consent: a support opened by a social worker waits for the person's agreement (« en attente de l'accord »)
until the person accepts it in their account, or the worker records that they collected it in writing.
Nothing is granted before.

The tier rule (ADR 0033): a support that grants the solidarity tier writes the person's one
`SolidarityStatus` — until the support's end, never beyond a year from today, verified by the social
worker — unless a status already runs as long, which is then left alone. When the consent is withdrawn or
the support closed, the tier it wrote ends today, if the status row is still the one it wrote (anyone who
verified it since — staff, another prescriber — owns it and it stays); a staff date it had extended comes
back if it is later than today.
"""

import datetime

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.core import context as allauth_context
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.adapter import HubSite
from hub.models import Organisation
from marketplace.models import SolidarityStatus
from prescribers import perms
from prescribers.enums import SupportEventKind, SupportGround
from prescribers.exceptions import SupportError
from prescribers.models import NOTE_MAX_LENGTH, Support, SupportEvent

MAX_MONTHS = 12
# How far back a support may start (a worker records one opened last month) and how far ahead.
MAX_DAYS_BACK = 31
MAX_DAYS_AHEAD = 92
NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254


def _clean_text(value: str, *, max_length: int, label: str) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise SupportError(_("%(label)s contient un caractère interdit.") % {"label": label})
    if len(value) > max_length:
        raise SupportError(_("%(label)s dépasse %(limit)s caractères.") % {"label": label, "limit": max_length})
    return value


def check_dates(*, starts_on: datetime.date, ends_on: datetime.date, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    if starts_on < today - datetime.timedelta(days=MAX_DAYS_BACK):
        raise SupportError(_("Le début ne peut pas précéder aujourd'hui de plus d'un mois."))
    if starts_on > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise SupportError(_("Le début ne peut pas être à plus de trois mois."))
    if ends_on < starts_on:
        raise SupportError(_("La fin de l'accompagnement précède son début."))
    if ends_on > starts_on + relativedelta(months=MAX_MONTHS):
        raise SupportError(_("Un accompagnement dure douze mois au plus."))
    if ends_on < today:
        raise SupportError(_("La fin de l'accompagnement est déjà passée."))


def _event(support: Support, kind: str, *, by, at, note: str = "") -> None:
    SupportEvent.objects.create(support=support, kind=kind, by=by, at=at, note=note[:200])


def _invite(user) -> None:
    """The allauth « choose your password » link, in our own words, through the e-mail outbox."""
    key = f"{user_pk_to_url_str(user)}-{allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    url = settings.SITE_URL + path.replace("UID-KEY", key)
    context = {
        "user": user,
        "email": user.email,
        "password_reset_url": url,
        "current_site": HubSite(name=settings.SITE_NAME, domain=settings.SITE_URL),
    }
    # Rendered by the adapter (its subject prefix; the outbox's adapter queues it), outside any request.
    with allauth_context.request_context(None):
        get_adapter().render_mail("prescribers/email/invitation", user.email, context).send()


def _find_or_invite_person(*, email: str, first_name: str, last_name: str):
    User = get_user_model()
    person = User.objects.filter(email__iexact=email).first()
    if person is not None:
        if not person.is_active:
            raise SupportError(_("Ce compte est fermé : l'accompagnement ne peut pas être ouvert."))
        return person, False
    first_name = _clean_text(first_name, max_length=NAME_MAX_LENGTH, label=_("Le prénom"))
    last_name = _clean_text(last_name, max_length=NAME_MAX_LENGTH, label=_("Le nom"))
    if not first_name or not last_name:
        raise SupportError(
            _("Aucun compte n'a cette adresse : indiquez le prénom et le nom de la personne pour l'inviter.")
        )
    person = User(email=email, first_name=first_name, last_name=last_name)
    person.set_unusable_password()  # they choose it from the invitation
    person.save()
    EmailAddress.objects.create(user=person, email=email, primary=True, verified=False)
    return person, True


@transaction.atomic
def open_support(
    *,
    organisation: Organisation,
    email: str,
    ground: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    by,
    first_name: str = "",
    last_name: str = "",
    note: str = "",
    grant_tier: bool = False,
    consent_in_writing: bool = False,
) -> Support:
    """A social worker of a prescriber organisation opens a support for a person found by e-mail (invited
    when they have no account). It waits for the person's agreement unless the worker collected it in
    writing; the solidarity tier, if granted, starts with the agreement."""
    if not perms.can_open_support(by, organisation):
        raise SupportError(
            _("Seul·e un·e travailleur·se social·e de cette organisation peut ouvrir un accompagnement.")
        )
    email = _clean_text(email, max_length=EMAIL_MAX_LENGTH, label=_("L'adresse e-mail")).lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise SupportError(_("Adresse e-mail invalide.")) from error
    if ground not in SupportGround.values:
        raise SupportError(_("Choisissez un motif dans la liste."))
    note = _clean_text(note, max_length=NOTE_MAX_LENGTH, label=_("La note"))
    check_dates(starts_on=starts_on, ends_on=ends_on)
    if email == by.email.lower():
        raise SupportError(_("Vous ne pouvez pas vous accompagner vous-même."))
    person, invited = _find_or_invite_person(email=email, first_name=first_name, last_name=last_name)
    if Support.objects.open().filter(organisation=organisation, person=person).exists():
        raise SupportError(_("Cette personne a déjà un accompagnement en cours avec cette organisation."))
    now = timezone.now()
    try:
        with transaction.atomic():
            support = Support.objects.create(
                organisation=organisation,
                person=person,
                opened_by=by,
                ground=ground,
                note=note,
                starts_on=starts_on,
                ends_on=ends_on,
                grants_tier=grant_tier,
                consent_at=now if consent_in_writing else None,
                consent_recorded_by=by if consent_in_writing else None,
            )
    except IntegrityError as error:  # a colleague opened the same support a moment ago
        raise SupportError(_("Cette personne a déjà un accompagnement en cours avec cette organisation.")) from error
    _event(support, SupportEventKind.OPENED, by=by, at=now, note=_("invitation envoyée") if invited else "")
    if consent_in_writing:
        _event(support, SupportEventKind.CONSENT_GIVEN, by=by, at=now, note=_("accord recueilli par écrit"))
        _grant_tier(support, at=now)
    if invited:
        _invite(person)
    return support


def _locked(support: Support) -> Support:
    return Support.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=support.pk)


@transaction.atomic
def accept_support(*, support: Support, by) -> Support:
    """The person agrees to be supported: the organisation may then act for them (and the tier starts)."""
    support = _locked(support)
    if not perms.is_supported_person(by, support):
        raise SupportError(_("Seule la personne accompagnée peut donner son accord."))
    if support.closed_at is not None:
        raise SupportError(_("Cet accompagnement est clos."))
    if support.consent_at is not None:
        raise SupportError(_("Vous avez déjà donné votre accord."))
    now = timezone.now()
    support.consent_at = now
    support.save(update_fields=["consent_at"])
    _event(support, SupportEventKind.CONSENT_GIVEN, by=by, at=now)
    _grant_tier(support, at=now)
    return support


def _grant_tier(support: Support, *, at: datetime.datetime) -> None:
    """Write the solidarity tier this support grants (see the module's docstring)."""
    if not support.grants_tier:
        return
    today = timezone.localdate(at)
    until = min(support.ends_on, today + relativedelta(years=1) - datetime.timedelta(days=1))
    status = SolidarityStatus.objects.select_for_update(of=("self",)).filter(user=support.person).first()
    if status is not None and status.valid_until >= until:
        return  # a status already runs as long: nothing to write, nothing to end later
    note = f"{support.organisation.name} — {support.get_ground_display()}"[:200]
    previous = status.valid_until if status is not None and status.valid_until >= today else None
    if status is None:
        status = SolidarityStatus(user=support.person)
    status.valid_until = until
    status.verified_by = support.consent_recorded_by or support.opened_by
    status.verified_at = at
    status.note = note
    status.save()
    support.tier_until, support.tier_previous_until, support.tier_written_at = until, previous, at
    support.save(update_fields=["tier_until", "tier_previous_until", "tier_written_at"])
    _event(support, SupportEventKind.TIER_GRANTED, by=status.verified_by, at=at, note=until.strftime("%d/%m/%Y"))


def _end_tier(support: Support, *, by, at: datetime.datetime) -> None:
    if support.tier_until is None:
        return
    status = SolidarityStatus.objects.select_for_update(of=("self",)).filter(user=support.person).first()
    if status is None or status.verified_at != support.tier_written_at:
        return  # verified again since by someone else: theirs now
    today = timezone.localdate(at)
    until = max(today, support.tier_previous_until) if support.tier_previous_until else today
    until = min(until, status.valid_until)
    if until != status.valid_until:
        status.valid_until = until
        status.save(update_fields=["valid_until"])
    _event(support, SupportEventKind.TIER_ENDED, by=by, at=at, note=until.strftime("%d/%m/%Y"))


@transaction.atomic
def withdraw_consent(*, support: Support, by) -> Support:
    """The person withdraws their consent (or refuses it): the support closes, the tier it granted ends
    today, and the organisation no longer sees anything of the person."""
    support = _locked(support)
    if not perms.is_supported_person(by, support):
        raise SupportError(_("Seule la personne accompagnée peut retirer son accord."))
    if support.closed_at is not None:
        raise SupportError(_("Cet accompagnement est déjà clos."))
    now = timezone.now()
    support.consent_withdrawn_at = support.closed_at = now
    support.save(update_fields=["consent_withdrawn_at", "closed_at"])
    _event(support, SupportEventKind.CONSENT_WITHDRAWN, by=by, at=now)
    _end_tier(support, by=by, at=now)
    return support


@transaction.atomic
def close_support(*, support: Support, by) -> Support:
    """A social worker of the organisation closes the support: the tier it granted ends today."""
    support = _locked(support)
    if not perms.can_view_support(by, support):
        raise SupportError(
            _("Seul·e un·e travailleur·se social·e de cette organisation peut clore cet accompagnement.")
        )
    if support.closed_at is not None:
        raise SupportError(_("Cet accompagnement est déjà clos."))
    now = timezone.now()
    support.closed_at = now
    support.save(update_fields=["closed_at"])
    _event(support, SupportEventKind.CLOSED, by=by, at=now)
    _end_tier(support, by=by, at=now)
    return support
