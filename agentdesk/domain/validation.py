"""Checks on customer details typed at intake."""

from __future__ import annotations

import re

from agentdesk.domain.errors import ValidationFailed
from agentdesk.domain.records import NewCustomer

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,22}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_new_customer(customer: NewCustomer) -> NewCustomer:
    name = customer.name.strip()
    if not name:
        raise ValidationFailed("error.required", field="name")
    phone = customer.phone.strip()
    if phone and not PHONE.match(phone):
        raise ValidationFailed("error.bad_phone", value=phone)
    email = customer.email.strip()
    if email and not EMAIL.match(email):
        raise ValidationFailed("error.bad_email", value=email)
    return NewCustomer(name, phone, email, customer.address.strip(), customer.tier)
