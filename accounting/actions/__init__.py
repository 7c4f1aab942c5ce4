"""Workflows of the books: set them up, post documents, reverse, letter, open and close years.

Every posting goes through `post_document` (`posting.py`). The names below are the app's public
actions, imported from here by the other apps.
"""

from accounting.actions.books import JOURNAL_LABELS, ensure_account, fiscal_year_bounds, setup_books
from accounting.actions.fiscal_years import close_fiscal_year, lock_period, open_fiscal_year, post_opening_entry
from accounting.actions.lettering import letter_lines, lettering_code_for
from accounting.actions.posting import post_document, reverse_entry
from accounting.actions.vat_returns import post_vat_return

__all__ = [
    "JOURNAL_LABELS",
    "close_fiscal_year",
    "ensure_account",
    "fiscal_year_bounds",
    "letter_lines",
    "lettering_code_for",
    "lock_period",
    "open_fiscal_year",
    "post_document",
    "post_opening_entry",
    "post_vat_return",
    "reverse_entry",
    "setup_books",
]
