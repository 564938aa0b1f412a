"""Users of the review and their rights: a role each, passwords hashed with argon2 (argon2-cffi)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select

from bascule.errors import BasculeError
from bascule.review.audit import audit
from bascule.review.roles import (  # the names of the rights, where the review has always imported them
    APPROVE as APPROVE,
)
from bascule.review.roles import (
    DECIDE as DECIDE,
)
from bascule.review.roles import (
    IDENTITIES as IDENTITIES,
)
from bascule.review.roles import (
    MANAGE as MANAGE,
)
from bascule.review.roles import (
    READ as READ,
)
from bascule.review.roles import (
    RIGHTS,
    ROLES,
)
from bascule.review.roles import (
    SIGN as SIGN,
)
from bascule.review.store import ReviewUser

MIN_PASSWORD = 8
HASHER = PasswordHasher()  # argon2id with the library's current parameters


class UserError(BasculeError):
    """A user cannot be added as asked."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def may(self, right: str) -> bool:
        return right in RIGHTS[self.role]


def add_user(database: Engine, name: str, role: str, password: str, actor: str = "bascule users add") -> User:
    name = name.strip()
    if not name or len(name) > 80:
        raise UserError("a user's name is 1 to 80 characters")
    if role not in RIGHTS:
        raise UserError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password of {name} is shorter than {MIN_PASSWORD} characters: choose a longer one")
    with database.begin() as connection:
        if connection.execute(select(ReviewUser.id).where(ReviewUser.name == name)).first():
            raise UserError(f"there is a user {name!r} already: choose another name")
        connection.execute(
            insert(ReviewUser),
            {"name": name, "role": role, "password_hash": HASHER.hash(password), "created": dt.datetime.now(dt.UTC)},
        )
        audit(connection, actor, "add user", name, role=role)
    return User(name, role)


def authenticate(database: Engine, name: str, password: str) -> User | None:
    """The user if the password is theirs, else None (the same answer for an unknown name)."""
    with database.connect() as connection:
        row = connection.execute(select(ReviewUser).where(ReviewUser.name == name)).mappings().first()
    if row is None:
        HASHER.hash(password)  # as long as for a known name: the answer's time does not tell names apart
        return None
    try:
        HASHER.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    return User(row["name"], row["role"])


def find_user(database: Engine, name: str) -> User | None:
    with database.connect() as connection:
        row = connection.execute(select(ReviewUser.name, ReviewUser.role).where(ReviewUser.name == name)).first()
    return User(row.name, row.role) if row else None
