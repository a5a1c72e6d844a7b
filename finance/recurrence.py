"""When recurring bills and income fall due.

Occurrence k of a recurrence is ``starts_on`` plus k weeks, months or years (dateutil's
relativedelta), so a bill anchored on the 31st falls on the 30th in April and returns to the 31st
in May, and one anchored on 29 February falls on the 28th in other years.
"""

import datetime
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta

STEPS = {"weekly": relativedelta(weeks=1), "monthly": relativedelta(months=1), "yearly": relativedelta(years=1)}


def occurrence(starts_on: datetime.date, frequency: str, k: int) -> datetime.date:
    """The k-th occurrence (k = 0 is ``starts_on``). Raises KeyError for an unknown frequency."""
    return starts_on + STEPS[frequency] * k


def _index_near(starts_on: datetime.date, frequency: str, day: datetime.date) -> int:
    """A k whose occurrence is at or just before ``day`` (never after it)."""
    if frequency == "weekly":
        k = (day - starts_on).days // 7
    elif frequency == "monthly":
        k = (day.year - starts_on.year) * 12 + day.month - starts_on.month
    else:
        k = day.year - starts_on.year
    k = max(k, 0)
    while k > 0 and occurrence(starts_on, frequency, k) > day:
        k -= 1
    return k


def occurrences_between(
    starts_on: datetime.date, frequency: str, first: datetime.date, last: datetime.date,
    ends_on: datetime.date | None = None,
) -> Iterator[datetime.date]:
    """Occurrences in ``[first, last]`` (inclusive), none before ``starts_on`` or after ``ends_on``."""
    if ends_on is not None:
        last = min(last, ends_on)
    k = _index_near(starts_on, frequency, max(first, starts_on))
    while (day := occurrence(starts_on, frequency, k)) <= last:
        if day >= first:
            yield day
        k += 1


def next_occurrence(starts_on: datetime.date, frequency: str, after: datetime.date) -> datetime.date:
    """The first occurrence strictly after ``after`` (``starts_on`` itself if it is later)."""
    if starts_on > after:
        return starts_on
    k = _index_near(starts_on, frequency, after)
    while (day := occurrence(starts_on, frequency, k)) <= after:
        k += 1
    return day
