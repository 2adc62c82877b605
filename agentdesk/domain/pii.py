"""Masking of customer PII on screen (R12): phones, e-mail addresses, postal addresses."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and last four digits, star the middle."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 7:
        return "*" * len(phone)
    prefix = phone[: len(phone) - len(phone.lstrip("+"))]
    d = "".join(digits)
    return f"{prefix}{d[:3]}{'*' * (len(d) - 7)}{d[-4:]}"


def mask_email(email: str) -> str:
    """z***@example.com: first character of the local part, then stars."""
    local, at, domain = email.partition("@")
    if not at or not local:
        return "*" * len(email)
    return f"{local[0]}***@{domain}"


def mask_address(address: str) -> str:
    """Keep the first few characters (city/district), hide the rest."""
    keep = min(6, max(0, len(address) // 3))
    return address[:keep] + "****" if address else ""
