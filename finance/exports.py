"""CSV export of a user's expenses, for a spreadsheet or an accountant (issue 3, "Reports")."""

import csv
import datetime
from collections.abc import Iterable

from finance.models import Expense
from finance.money import money_str

CSV_COLUMNS = ("date", "amount", "currency", "category", "description", "merchant", "location", "tags", "receipt_note")

# A cell starting with one of these is run as a formula by Excel and LibreOffice (OWASP, "CSV
# Injection"); a leading apostrophe makes it plain text there.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def expenses_csv_filename(start: datetime.date, end: datetime.date) -> str:
    """``pam-expenses-2026-11-01-to-2026-11-30.csv``."""
    return f"pam-expenses-{start.isoformat()}-to-{end.isoformat()}.csv"


def write_expenses_csv(file, expenses: Iterable[Expense], *, currency: str) -> int:
    """Write a header row and one row per expense, in ``CSV_COLUMNS`` order, to ``file`` (anything
    with ``write``: an HttpResponse, an open text file). Dates ISO, amounts with two places
    ("45.20"), tags joined by "; ". Returns how many expenses were written."""
    writer = csv.writer(file)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for expense in expenses:
        writer.writerow([
            expense.date.isoformat(),
            money_str(expense.amount),
            currency,
            expense.category,
            _text(expense.description),
            _text(expense.merchant),
            _text(expense.location),
            _text("; ".join(expense.tags)),
            _text(expense.receipt_note),
        ])
        count += 1
    return count
