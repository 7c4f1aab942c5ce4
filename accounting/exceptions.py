"""Domain errors of the books. Each carries a French message for the person who tried."""

from django.utils.translation import gettext as _

from hub.formatting import euros


class AccountingError(Exception):
    """Base class: the action was refused and nothing was written."""


class UnbalancedEntry(AccountingError):
    def __init__(self, debit, credit):
        self.debit, self.credit = debit, credit
        super().__init__(
            _("Écriture déséquilibrée : %(debit)s au débit pour %(credit)s au crédit.")
            % {"debit": euros(debit), "credit": euros(credit)}
        )


class InvalidLine(AccountingError):
    """A line with both or neither of debit and credit, a negative amount or more than 2 decimals."""


class EmptyDocument(AccountingError):
    def __init__(self):
        super().__init__(_("Une écriture compte au moins deux lignes."))


class UnknownAccount(AccountingError):
    def __init__(self, codes):
        self.codes = sorted(codes)
        super().__init__(
            _("Compte inconnu dans le plan comptable de la structure : %(codes)s.") % {"codes": ", ".join(self.codes)}
        )


class UnknownJournal(AccountingError):
    def __init__(self, code):
        self.code = code
        super().__init__(_("Journal inconnu pour cette structure : %(code)s.") % {"code": code})


class NoFiscalYear(AccountingError):
    def __init__(self, date):
        self.date = date
        super().__init__(_("Aucun exercice comptable ne couvre le %(date)s.") % {"date": date.strftime("%d/%m/%Y")})


class FutureEntry(AccountingError):
    def __init__(self, date):
        self.date = date
        super().__init__(
            _("Une écriture ne peut pas être datée après aujourd'hui : %(date)s est dans le futur.")
            % {"date": date.strftime("%d/%m/%Y")}
        )


class FiscalYearClosed(AccountingError):
    def __init__(self, fiscal_year):
        self.fiscal_year = fiscal_year
        super().__init__(
            _("L'exercice %(name)s est clôturé : il n'accepte plus d'écriture.") % {"name": fiscal_year.name}
        )


class PeriodLocked(AccountingError):
    def __init__(self, date, locked_until):
        self.date, self.locked_until = date, locked_until
        super().__init__(
            _("La période est verrouillée jusqu'au %(until)s : impossible de passer une écriture au %(date)s.")
            % {"until": locked_until.strftime("%d/%m/%Y"), "date": date.strftime("%d/%m/%Y")}
        )


class OpeningAccountOutOfRange(AccountingError):
    def __init__(self, codes):
        self.codes = sorted(codes)
        super().__init__(
            _("Les à-nouveaux ne portent que sur les classes 1 à 5 ; comptes refusés : %(codes)s.")
            % {"codes": ", ".join(self.codes)}
        )


class ImmutableEntry(AccountingError):
    """A posted entry or line was about to change or disappear: correct it by a reversal instead."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Une écriture validée ne se modifie ni ne se supprime (seul son lettrage peut changer) : "
                "passez une écriture d'extourne."
            )
        )


class FiscalYearError(AccountingError):
    """Opening or closing a fiscal year was refused (overlap, gap, already closed…)."""


class LetteringError(AccountingError):
    """The lines cannot be lettered together."""


class BooksNotSetUp(AccountingError):
    def __init__(self, structure):
        super().__init__(
            _("La comptabilité de %(structure)s n'est pas encore ouverte (setup_books).") % {"structure": structure}
        )


class InactiveAccount(AccountingError):
    def __init__(self, codes):
        self.codes = sorted(codes)
        super().__init__(
            _("Compte désactivé dans le plan comptable de la structure : %(codes)s.") % {"codes": ", ".join(self.codes)}
        )


class ChartError(AccountingError):
    """A change of the chart of accounts was refused (unknown parent, code taken, account in use…)."""


class PurchaseError(AccountingError):
    """A supplier invoice or payment was refused (not a draft, no line, over the amount due…)."""


class VatReturnError(AccountingError):
    """A VAT return cannot be posted (structure not liable, period not over, already posted…)."""


class ClosingRefused(AccountingError):
    """Closing, reopening, a cut-off, a lock or a reversal was refused; nothing changed."""

    def __init__(self, message, *, problems=()):
        self.problems = list(problems)
        super().__init__(message)


class BankFileError(AccountingError):
    """A bank statement file refused whole: malformed, too large, of another account, unsafe XML."""


class BankMatchError(AccountingError):
    """A bank line cannot be matched (or unmatched) as asked."""
