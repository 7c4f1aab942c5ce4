"""Lettering: matching the lines of an account that settle each other (a receivable and its payment)."""

import datetime
import re
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting.documents import ZERO
from accounting.exceptions import LetteringError
from accounting.models import Account, EntryLine
from hub.formatting import euros

LETTERING_CODE_RE = re.compile(r"[A-Z0-9]{1,10}")


def lettering_code_for(number: int) -> str:
    """1 → AAA, 2 → AAB … : letters only, three at least, in the order they were handed out."""
    letters = ""
    number -= 1
    while number or len(letters) < 3:
        number, rest = divmod(number, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def letter_lines(*, lines: Iterable[EntryLine], code: str | None = None, on: datetime.date | None = None) -> str:
    """Letter lines of one account (and one auxiliary account) whose debits and credits cancel out.

    The lettering code and date are the only things that may change on a posted line. Without a
    code, the account's next one is taken under a row lock. Returns the code. Inside the caller's
    transaction it takes no savepoint: every refusal comes before the first write.
    """
    if connection.in_atomic_block:
        return _letter_lines(lines=lines, code=code, on=on)
    with transaction.atomic():
        return _letter_lines(lines=lines, code=code, on=on)


def _letter_lines(*, lines: Iterable[EntryLine], code: str | None, on: datetime.date | None) -> str:
    ids = sorted({line.pk for line in lines})
    # The lines and their account are locked together: the account's lettering counter is read under
    # its lock, so the next code needs no second read.
    locked = list(
        EntryLine.objects.select_for_update(of=("self", "account"))
        .select_related("account")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(locked) < 2 or len(locked) != len(ids):
        raise LetteringError(_("Le lettrage porte sur au moins deux lignes d'écriture existantes."))
    if len({line.account_id for line in locked}) != 1:
        raise LetteringError(_("Le lettrage porte sur les lignes d'un seul compte."))
    if len({line.auxiliary_code for line in locked}) != 1:
        raise LetteringError(_("Le lettrage porte sur les lignes d'un seul compte auxiliaire."))
    if lettered := [line for line in locked if line.lettering_code]:
        raise LetteringError(
            _("Ligne déjà lettrée (%(code)s) : délettrez-la d'abord.") % {"code": lettered[0].lettering_code}
        )
    debit = sum((line.debit for line in locked), ZERO)
    credit = sum((line.credit for line in locked), ZERO)
    if debit != credit:
        raise LetteringError(
            _("Les lignes à lettrer ne se soldent pas : %(debit)s au débit, %(credit)s au crédit.")
            % {"debit": euros(debit), "credit": euros(credit)}
        )
    account = locked[0].account
    if code is None:
        Account.objects.filter(pk=account.pk).update(lettering_counter=F("lettering_counter") + 1)
        account.lettering_counter += 1  # read under the row lock: nobody moved it since
        code = lettering_code_for(account.lettering_counter)
    elif not LETTERING_CODE_RE.fullmatch(code):
        raise LetteringError(_("Un code de lettrage compte 1 à 10 lettres majuscules ou chiffres."))
    elif EntryLine.objects.filter(account=account, lettering_code=code).exists():
        raise LetteringError(_("Le code de lettrage %(code)s est déjà utilisé sur ce compte.") % {"code": code})
    EntryLine.objects.filter(pk__in=ids).update(lettering_code=code, lettering_date=on or timezone.localdate())
    return code
