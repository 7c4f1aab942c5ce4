"""The chart of accounts, editable per structure: sub-accounts under the PCG accounts, labels,
deactivation; an account with entry lines is never deleted (the FEC names it)."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounting.chart import PURCHASE_ACCOUNTS, chart_for
from accounting.documents import clean_text
from accounting.exceptions import ChartError
from accounting.models import Account, EntryLine, SupplierInvoiceLine
from hub.models import Structure

# Digits only: the PCG's accounts and their sub-accounts (CompteNum of the FEC); 10 at most.
SUB_ACCOUNT_RE = re.compile(r"[1-8][0-9]{3,9}")
LABEL_MAX_LENGTH = 150
# Seeded accounts the accountant may set aside: the optional expenses and fixed assets of purchases.
OPTIONAL_CODES = frozenset(code for code, _label in PURCHASE_ACCOUNTS if code[0] in "26")


def protected_codes(structure: Structure) -> frozenset[str]:
    """The accounts the platform posts to by itself (sales, VAT, banks, Stripe, 467…): renamed at
    most, never deactivated nor deleted."""
    others = Structure.objects.exclude(pk=structure.pk).only("pk", "name", "kind")
    return frozenset(code for code, _label in chart_for(structure, others)) - OPTIONAL_CODES


def _clean_label(label: str) -> str:
    label = clean_text(label or "").strip()
    if not label:
        raise ChartError(_("Le libellé du compte est obligatoire."))
    if len(label) > LABEL_MAX_LENGTH:
        raise ChartError(_("Le libellé compte au plus %(max)s caractères.") % {"max": LABEL_MAX_LENGTH})
    return label


def parent_account(structure: Structure, code: str) -> Account | None:
    """The longest account of the chart whose code begins the new one (606 for 6068)."""
    prefixes = [code[:length] for length in range(3, len(code))]
    return Account.objects.filter(structure=structure, code__in=prefixes).order_by("-code").first()


@transaction.atomic
def add_sub_account(*, structure: Structure, code: str, label: str) -> Account:
    """A sub-account under an existing account of the structure's chart (6063 → 606301)."""
    code = (code or "").strip()
    if not SUB_ACCOUNT_RE.fullmatch(code):
        raise ChartError(_("Un numéro de sous-compte compte de 4 à 10 chiffres (classes 1 à 8)."))
    label = _clean_label(label)
    parent = parent_account(structure, code)
    if parent is None:
        raise ChartError(
            _("Aucun compte du plan ne commence le numéro %(code)s : un sous-compte se crée sous un compte existant.")
            % {"code": code}
        )
    if not parent.is_active:
        raise ChartError(_("Le compte %(code)s est désactivé : réactivez-le d'abord.") % {"code": parent.code})
    if Account.objects.filter(structure=structure, code=code).exists():
        raise ChartError(_("Ce numéro de compte existe déjà dans le plan de la structure."))
    try:
        with transaction.atomic():
            return Account.objects.create(structure=structure, code=code, label=label)
    except IntegrityError as error:
        raise ChartError(_("Ce numéro de compte existe déjà dans le plan de la structure.")) from error


@transaction.atomic
def rename_account(*, account: Account, label: str) -> Account:
    """A new label (CompteLib of the FEC, which prints the label of the day it is exported)."""
    account.label = _clean_label(label)
    account.save(update_fields=["label"])
    return account


@transaction.atomic
def set_account_active(*, account: Account, active: bool) -> Account:
    """Deactivate (offered in no form, refused by posting) or reactivate an account."""
    if not active and account.code in protected_codes(account.structure):
        raise ChartError(
            _("Le compte %(code)s reçoit les écritures de la plateforme : il ne peut pas être désactivé.")
            % {"code": account.code}
        )
    account.is_active = active
    account.save(update_fields=["is_active"])
    return account


@transaction.atomic
def delete_account(*, account: Account) -> None:
    """Delete an account nothing refers to; one with entry lines stays (deactivate it instead)."""
    account = Account.objects.select_for_update(of=("self",)).select_related("structure").get(pk=account.pk)
    if EntryLine.objects.filter(account=account).exists():
        raise ChartError(
            _("Le compte %(code)s porte des écritures : il ne peut pas être supprimé (désactivez-le).")
            % {"code": account.code}
        )
    if SupplierInvoiceLine.objects.filter(account=account).exists():
        raise ChartError(
            _("Le compte %(code)s est utilisé par une facture fournisseur : il ne peut pas être supprimé.")
            % {"code": account.code}
        )
    if account.code in protected_codes(account.structure):
        raise ChartError(
            _("Le compte %(code)s reçoit les écritures de la plateforme : il ne peut pas être supprimé.")
            % {"code": account.code}
        )
    Account.objects.filter(pk=account.pk).delete()
