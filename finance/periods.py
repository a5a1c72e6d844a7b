"""Named spending periods (DESIGN.md, "Domain vocabulary") as inclusive date ranges."""

import calendar
import datetime
from enum import StrEnum


class Period(StrEnum):
    THIS_WEEK = "this_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    THIS_YEAR = "this_year"


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of ``day``'s month."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def period_range(period: Period | str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """``(start, end)``, both inclusive, for a named period seen from the user's local ``today``.

    Periods that contain today end today (spending so far). Weeks start on Monday (ISO 8601).
    Raises ValueError for an unknown period name.
    """
    period = Period(period)
    if period is Period.THIS_WEEK:
        return today - datetime.timedelta(days=today.weekday()), today
    if period is Period.THIS_MONTH:
        return today.replace(day=1), today
    if period is Period.LAST_MONTH:
        return month_bounds(today.replace(day=1) - datetime.timedelta(days=1))
    if period is Period.LAST_7_DAYS:
        return today - datetime.timedelta(days=6), today
    if period is Period.LAST_30_DAYS:
        return today - datetime.timedelta(days=29), today
    return today.replace(month=1, day=1), today
