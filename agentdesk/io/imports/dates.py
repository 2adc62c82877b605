"""Dates as spreadsheets and help desks write them, to the store's UTC ISO-8601 text.

Accepted: ISO 8601 (``2026-11-23T14:05:00Z``, ``2026-11-23 14:05``, with or without offset),
``2026/11/23 14:05``, ``2026.11.23``, ``2026年11月23日`` (optionally ``14:05`` or ``14时05分``),
a trailing `` UTC`` (Zammad), and Excel serial day numbers (``46349`` or ``46349.5868``).
A time without an offset is read in the import's time zone (the service centre's by default).
Day-first and month-first forms (``23/11/2026``, ``11/23/2026``) are refused as ambiguous.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 (a local date; the zone comes later) — serial 1 = 1900-01-01 (Excel's leap-year bug included)
EXCEL_SERIALS = (20_000, 80_000)  # 1954-10-03 .. 2119-01-10: outside, a number is not a date

_YMD = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:(?:[T\s]+|(?<=日))(?P<H>\d{1,2})\s*[:时]\s*(?P<M>\d{1,2})\s*分?(?:\s*[:]?\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?)?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?$"
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_AMBIGUOUS = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")


class DateRefused(ValueError):
    """Not a date in any accepted form; the message key says which problem."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_instant(text: str, zone: ZoneInfo) -> datetime:
    """The instant `text` names (aware, UTC)."""
    value = text.strip()
    if _SERIAL.match(value):
        return _from_serial(float(value), zone)
    if _AMBIGUOUS.match(value):
        raise DateRefused("imports.date_ambiguous")
    moment = _iso(value) or _ymd(value)
    if moment is None:
        raise DateRefused("imports.date_unknown")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """The store's form: whole seconds, +00:00."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _ymd(value: str) -> datetime | None:
    found = _YMD.match(value)
    if found is None:
        return None
    parts = {k: int(v) for k, v in found.groupdict().items() if v is not None and k != "tz"}
    try:
        moment = datetime(  # noqa: DTZ001 (naive on purpose: the caller applies the zone)
            parts["y"],
            parts["m"],
            parts["d"],
            parts.get("H", 0),
            parts.get("M", 0),
            parts.get("S", 0),
        )
    except ValueError:
        raise DateRefused("imports.date_out_of_range") from None
    offset = found.group("tz")
    if offset in ("Z", "UTC"):
        return moment.replace(tzinfo=UTC)
    if offset:
        return datetime.fromisoformat(f"{moment.isoformat()}{offset[:3]}:{offset[-2:]}")
    return moment


def _from_serial(serial: float, zone: ZoneInfo) -> datetime:
    if not EXCEL_SERIALS[0] <= serial <= EXCEL_SERIALS[1]:
        raise DateRefused("imports.date_serial_range")
    local = EXCEL_EPOCH + timedelta(seconds=round(serial * 86_400))
    return local.replace(tzinfo=zone).astimezone(UTC)
