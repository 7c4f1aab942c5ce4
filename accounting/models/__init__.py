"""The books of each structure, one module per subject, every model importable from here.

- `ledger`: books, fiscal years, chart of accounts, journals and the immutable entries (the legal
  record, LPF art. A47 A-1; PostgreSQL triggers, migration 0002), reconciliation runs;
- `purchases`: suppliers, their invoices and our payments of them;
- `closing`: posted VAT returns, year-end cut-offs, the log of acts on the books;
- `bank`: bank accounts, statements, their lines and matches with the ledger.
"""

from accounting.models.bank import (
    IBAN_RE,
    BankAccount,
    BankLine,
    BankLineQuerySet,
    BankMatch,
    BankStatement,
    iban_is_valid,
    normalize_iban,
)
from accounting.models.closing import BooksLog, CutOff, VatReturn
from accounting.models.ledger import (
    ACCOUNT_CODE_RE,
    FEC_SAFE_MESSAGE,
    Account,
    Books,
    Entry,
    EntryCounter,
    EntryLine,
    EntryLineQuerySet,
    EntryQuerySet,
    FiscalYear,
    FiscalYearQuerySet,
    Journal,
    ReconciliationRun,
)
from accounting.models.purchases import (
    SUPPLIER_CODE_RE,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceLine,
    SupplierInvoiceQuerySet,
    SupplierPayment,
    _attachment_path,  # named by migration 0005 as accounting.models._attachment_path
)

__all__ = [
    "ACCOUNT_CODE_RE", "FEC_SAFE_MESSAGE", "IBAN_RE", "SUPPLIER_CODE_RE", "Account", "BankAccount", "BankLine",
    "BankLineQuerySet", "BankMatch", "BankStatement", "Books", "BooksLog", "CutOff", "Entry", "EntryCounter",
    "EntryLine", "EntryLineQuerySet", "EntryQuerySet", "FiscalYear", "FiscalYearQuerySet", "Journal",
    "ReconciliationRun", "Supplier", "SupplierInvoice", "SupplierInvoiceLine", "SupplierInvoiceQuerySet",
    "SupplierPayment", "VatReturn", "_attachment_path", "iban_is_valid", "normalize_iban",
]  # fmt: skip
