"""Teams, accounts and sessions on the server.

Passwords are hashed with argon2; a session is an opaque random token that the client keeps and
the server stores only as its SHA-256, with an expiry, and revokes on logout.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentdesk.domain import numbering
from agentdesk.domain.errors import AgentdeskError, NotFound, ValidationFailed
from agentdesk.domain.model import Role
from agentdesk.server import changes
from agentdesk.server.tables import account, session_token, team

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TEAM_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TEAM_KINDS = ("front_line", "technical", "after_sales", "leads", "other")
MIN_PASSWORD = 8
SESSION_TTL = timedelta(hours=12)
WIDE_ROLES = frozenset({Role.LEAD, Role.SUPERVISOR, Role.ADMIN})  # see every team's tickets


class AuthFailed(AgentdeskError):
    """Wrong user or password, or a token that is unknown, expired or revoked (one message for
    all, so the answer tells an attacker nothing)."""


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    display_name: str
    role: Role
    team_id: str
    team_code: str
    language: str
    active: bool


@dataclass(frozen=True)
class Session:
    token: str  # shown once, to the client; the server keeps its hash
    expires_at: datetime
    account: Account


@lru_cache(maxsize=1)
def _hasher() -> object:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed("error.password_short", minimum=MIN_PASSWORD)
    return str(_hasher().hash(password))  # type: ignore[attr-defined]


def _password_matches(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored, password))  # type: ignore[attr-defined]
    except (VerificationError, InvalidHashError):
        return False


def utc(at: datetime) -> datetime:
    """Times are stored in UTC (SQLite keeps no offset, so every value must share one)."""
    return at.astimezone(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- teams and accounts ---------------------------------------------------------------------------


def add_team(conn: Connection, code: str, name_en: str, name_zh: str, kind: str) -> str:
    if not TEAM_CODE.fullmatch(code):
        raise ValidationFailed("error.bad_team_code", value=code)
    if kind not in TEAM_KINDS:
        raise ValidationFailed(
            "error.bad_choice", field="kind", value=kind, allowed=", ".join(TEAM_KINDS)
        )
    if conn.execute(sa.select(team.c.id).where(team.c.code == code)).first():
        raise ValidationFailed("error.team_exists", team=code)
    team_id = numbering.new_id()
    conn.execute(
        team.insert().values(
            id=team_id,
            code=code,
            name_en=name_en or code,
            name_zh=name_zh or name_en or code,
            kind=kind,
        )
    )
    changes.record(conn, "team", team_id, changes.ALL)  # every console lists the teams
    return team_id


def teams(conn: Connection) -> list[dict[str, str]]:
    rows = conn.execute(sa.select(team).order_by(team.c.code)).mappings()
    return [dict(row) for row in rows]


def add_account(
    conn: Connection,
    username: str,
    role: str,
    team_code: str,
    password: str,
    now: datetime,
    display_name: str = "",
    language: str = "zh-CN",
) -> Account:
    if not USERNAME.fullmatch(username):
        raise ValidationFailed("error.bad_username", value=username)
    chosen = _role(role)
    team_id = _team_id(conn, team_code)
    if conn.execute(sa.select(account.c.id).where(account.c.username == username)).first():
        raise ValidationFailed("error.user_exists", username=username)
    ident = numbering.new_id()
    conn.execute(
        account.insert().values(
            id=ident,
            username=username,
            display_name=display_name or username,
            role=chosen.value,
            team_id=team_id,
            language=language,
            active=True,
            password_hash=hash_password(password),
            created_at=utc(now),
        )
    )
    changes.record(conn, "agent", ident, changes.ALL)  # colleagues' consoles show the name
    return account_by_username(conn, username)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            "error.bad_choice", field="role", value=value, allowed=allowed
        ) from None


def _team_id(conn: Connection, code: str) -> str:
    found = conn.execute(sa.select(team.c.id).where(team.c.code == code)).scalar()
    if found is None:
        raise NotFound("error.unknown_team", team=code)
    return str(found)


def _accounts_query() -> sa.Select[tuple[object, ...]]:
    return sa.select(account, team.c.code.label("team_code")).join(
        team, team.c.id == account.c.team_id
    )


def account_of(row: sa.RowMapping) -> Account:
    """The account of a row with `account`'s columns and `team_code`."""
    return Account(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        team_id=row["team_id"],
        team_code=row["team_code"],
        language=row["language"],
        active=bool(row["active"]),
    )


def account_by_username(conn: Connection, username: str) -> Account:
    row = conn.execute(_accounts_query().where(account.c.username == username)).mappings().first()
    if row is None:
        raise NotFound("error.unknown_agent", username=username)
    return account_of(row)


def accounts(conn: Connection) -> list[Account]:
    rows = conn.execute(_accounts_query().order_by(account.c.username)).mappings()
    return [account_of(row) for row in rows]


def set_active(conn: Connection, username: str, active: bool, now: datetime) -> Account:
    """Disable (or enable) an account; disabling also revokes its sessions."""
    found = account_by_username(conn, username)
    conn.execute(account.update().where(account.c.id == found.id).values(active=active))
    changes.record(conn, "agent", found.id, changes.ALL)
    if not active:
        _revoke_all(conn, found.id, now)
    return account_by_username(conn, username)


def reset_password(conn: Connection, username: str, password: str, now: datetime) -> Account:
    """A new password; every open session of the account ends."""
    found = account_by_username(conn, username)
    conn.execute(
        account.update()
        .where(account.c.id == found.id)
        .values(password_hash=hash_password(password))
    )
    _revoke_all(conn, found.id, now)
    return found


def _revoke_all(conn: Connection, account_id: str, now: datetime) -> None:
    conn.execute(
        session_token.update()
        .where(session_token.c.account_id == account_id, session_token.c.revoked_at.is_(None))
        .values(revoked_at=utc(now))
    )


def visible_team_ids(conn: Connection, who: Account) -> list[str]:
    if who.role in WIDE_ROLES:
        return [row["id"] for row in teams(conn)]
    return [who.team_id]


def visible_team_codes(conn: Connection, who: Account) -> list[str]:
    """The teams whose tickets `who` sees: their own, or every team for the wide roles."""
    if who.role in WIDE_ROLES:
        return [row["code"] for row in teams(conn)]
    return [who.team_code]


# -- sessions -------------------------------------------------------------------------------------


def sign_in(
    conn: Connection, username: str, password: str, now: datetime, ttl: timedelta = SESSION_TTL
) -> Session:
    row = conn.execute(_accounts_query().where(account.c.username == username)).mappings().first()
    stored = row["password_hash"] if row is not None else _DUMMY_HASH()
    matches = _password_matches(stored, password)  # checked even for unknown users: same timing
    if row is None or not matches or not row["active"]:
        raise AuthFailed("error.sign_in_failed")
    token = secrets.token_urlsafe(32)
    expires = utc(now) + ttl
    conn.execute(
        session_token.insert().values(
            id=numbering.new_id(),
            account_id=row["id"],
            token_hash=token_hash(token),
            created_at=utc(now),
            expires_at=expires,
        )
    )
    return Session(token, expires, account_of(row))


@lru_cache(maxsize=1)
def _DUMMY_HASH() -> str:
    return str(_hasher().hash(secrets.token_hex(16)))  # type: ignore[attr-defined]


# Every request asks it: built once, the token's hash and the time bound per call.
TOKEN_ACCOUNT = (
    _accounts_query()
    .join(session_token, session_token.c.account_id == account.c.id)
    .where(
        session_token.c.token_hash == sa.bindparam("token_hash"),
        session_token.c.revoked_at.is_(None),
        session_token.c.expires_at > sa.bindparam("now"),
        account.c.active.is_(True),
    )
)


def account_for_token(conn: Connection, token: str, now: datetime) -> Account:
    """The account a live token belongs to; AuthFailed for anything else."""
    return account_of(row_for_token(conn, TOKEN_ACCOUNT, token, now))


def row_for_token(
    conn: Connection, query: sa.Select[Any], token: str, now: datetime, **bound: Any
) -> sa.RowMapping:
    """The row `query` (TOKEN_ACCOUNT, or it with more columns and their `bound` parameters)
    finds for a live token; AuthFailed for anything else."""
    params = {"token_hash": token_hash(token), "now": utc(now), **bound}
    row = conn.execute(query, params).mappings().first()
    if row is None:
        raise AuthFailed("error.token_invalid")
    return row


def sign_out(conn: Connection, token: str, now: datetime) -> None:
    conn.execute(
        session_token.update()
        .where(
            session_token.c.token_hash == token_hash(token), session_token.c.revoked_at.is_(None)
        )
        .values(revoked_at=utc(now))
    )
