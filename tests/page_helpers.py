"""Helpers for tests that read a rendered page's HTML."""

import datetime
import re
import zoneinfo

from django.utils import timezone


def attribute(html: str, element_id: str, name: str) -> str:
    """The value of attribute ``name`` on the element with id ``element_id``."""
    tag = re.search(rf'<[a-z]+\b[^>]*\bid="{element_id}"[^>]*>', html, re.S)
    assert tag, f"no element with id {element_id!r}"
    value = re.search(rf'\b{name}="([^"]*)"', tag.group(0))
    assert value, f"#{element_id} has no {name}"
    return value.group(1)


def local_today(zone_name: str) -> datetime.date:
    """Today in the IANA zone ``zone_name``."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(zone_name)).date()
