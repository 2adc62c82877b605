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


class Department(StrEnum):
    """Departments a ticket's owner consults without handing the ticket over (R14)."""

    RND = "rnd"
    WAREHOUSE = "warehouse"
    FINANCE = "finance"
    LOGISTICS = "logistics"


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
    REFUND = "refund"  # recorded within the agent's authority (R4)
    REFUND_REQUEST = "refund_request"  # above it: waits for a lead's decision
    REFUND_DECISION = "refund_decision"  # a lead approved (the refund is made) or declined
    INCIDENT_LINK = "incident_link"  # the ticket is part of a major incident (R13)
    INCIDENT_UPDATE = "incident_update"  # the incident's one statement, on every linked ticket
    CONSULT_REQUEST = "consult_request"  # a question to another department, due by a time (R14)
    CONSULT_ANSWER = "consult_answer"  # its answer, on the same ticket
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled"  # after resolution, a call back is due (R10)
    FOLLOW_UP_RESULT = "follow_up_result"  # its outcome: {"score": 1..5, "comment": ...}


# An intent's arguments naming the timeline entries the console wrote for it (design/SYNC.md:
# the server keeps the console's ids, so no entry doubles after a pull).
TIMELINE_ID_ARGS = (
    "event_id",
    "status_event_id",
    "created_event_id",
    "assignment_event_id",
    "escalation_event_id",
)

PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
