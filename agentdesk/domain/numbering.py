"""Ticket identity: client-generated UUIDv7 ids and human numbers like T-20261123-0042."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import uuid6

# The day in a ticket number is the service centre's local day (SPEC: China).
NUMBER_ZONE = ZoneInfo("Asia/Shanghai")

NUMBER_PATTERN = re.compile(r"^T-(\d{8})-(\d{4,})$")


def new_id() -> str:
    """A time-ordered UUID (v7), safe to create offline on any client."""
    return str(uuid6.uuid7())


def ticket_number(day: datetime, seq: int) -> str:
    return f"T-{day:%Y%m%d}-{seq:04d}"


def day_prefix(day: datetime) -> str:
    return f"T-{day:%Y%m%d}-"


def looks_like_number(text: str) -> bool:
    return bool(NUMBER_PATTERN.match(text.strip().upper()))


INCIDENT_UPDATE_IDS = uuid.UUID("3b0f6a52-6d1e-4c55-9a1e-1f6b0c2d7e90")


def incident_update_event_id(update_id: str, ticket_id: str) -> str:
    """The timeline entry an incident update puts on one linked ticket: the same id wherever
    it is made (the console for the tickets it holds, the server for every linked ticket), so
    a synced update never doubles."""
    return str(uuid.uuid5(INCIDENT_UPDATE_IDS, f"{update_id}:{ticket_id}"))
