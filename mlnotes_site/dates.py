"""Dates from front matter and git: `YYYY-MM-DD` or ISO datetimes; naive ones take the site timezone."""
from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DATE_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def get_zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_date(value: object, zone: tzinfo) -> datetime | str:
    """Return an aware datetime, or an error message."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), zone)
    if not isinstance(value, str):
        return f"expected a date such as 2025-03-01, got {type(value).__name__} {value!r}"
    text = value.strip()
    try:
        if _DATE_RE.match(text):
            y, m, d = (int(part) for part in text.split("-"))
            return datetime(y, m, d, tzinfo=zone)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as exc:
        if _DATE_RE.match(text) or re.match(r"^\d{4}-\d{1,2}-\d{1,2}[T ]", text):
            return f"'{text}' is not a real date ({exc})"
        return f"'{text}' is not a date; write YYYY-MM-DD or an ISO datetime such as 2025-03-01T09:30:00+08:00"
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")
