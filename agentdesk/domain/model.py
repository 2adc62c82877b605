"""The vocabulary of the service rules (SPEC R1, R4, R9): channels, categories, statuses, roles."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    EMAIL = "email"
    SOCIAL = "social"
    STORE = "store"


class Category(StrEnum):
    INQUIRY = "inquiry"
    PRESALES = "presales"
    TECHNICAL = "technical"
    REPAIR = "repair"
    RETURN_EXCHANGE = "return_exchange"
    REFUND = "refund"
    COMPLAINT = "complaint"


class ComplaintLevel(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    LEGAL = "legal"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class CustomerTier(StrEnum):
    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    VIP = "vip"


class RootCause(StrEnum):
    """Root-cause codes a resolved ticket carries (R9)."""

    DELIVERY_DELAY = "delivery_delay"
    PRODUCT_DEFECT = "product_defect"
    PROCESS = "process"
    STAFF_ATTITUDE = "staff_attitude"
    BILLING_ERROR = "billing_error"
    USAGE_QUESTION = "usage_question"
    INFORMATION_GAP = "information_gap"
    OTHER = "other"


class ReviewDecision(StrEnum):
    """The outcome of reviewing a return/exchange request (R3)."""

    APPROVED = "approved"
    DECLINED = "declined"


class EventKind(StrEnum):
    """Kinds of entries on a ticket's append-only timeline (R15)."""

    CREATED = "created"
    CALL_LOG = "call_log"
    REPLY = "reply"
    NOTE = "note"
    STATUS_CHANGE = "status_change"
    ASSIGNMENT = "assignment"
    TRANSFER = "transfer"
    RESOLUTION = "resolution"
    PII_REVEAL = "pii_reveal"
    REVIEW = "review"
    ESCALATION = "escalation"


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
