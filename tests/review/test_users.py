"""Users: argon2 password hashes, one role each and its rights, every addition in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import Engine, select

from bascule.cli import cli
from bascule.review.audit import audit_log
from bascule.review.store import ReviewUser
from bascule.review.users import UserError, add_user, authenticate, find_user


def test_a_password_is_kept_as_an_argon2_hash_that_verifies(store: Engine) -> None:
    add_user(store, "alice", "case_worker", "correct horse")
    with store.connect() as connection:
        kept = connection.execute(select(ReviewUser.password_hash).where(ReviewUser.name == "alice")).scalar_one()
    assert kept.startswith("$argon2id$") and "correct horse" not in kept
    assert PasswordHasher().verify(kept, "correct horse")  # the library itself, not ours, says it matches


def test_only_the_right_password_logs_in(store: Engine) -> None:
    add_user(store, "alice", "approver", "correct horse")
    found = authenticate(store, "alice", "correct horse")
    assert found is not None and (found.name, found.role) == ("alice", "approver")
    assert authenticate(store, "alice", "correct horsE") is None
    assert authenticate(store, "nobody", "correct horse") is None


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("bob", "boss", "long enough", "unknown role"),
        ("bob", "viewer", "short", "shorter than 8"),
        ("", "viewer", "long enough", "1 to 80"),
    ],
)
def test_a_user_that_cannot_be_is_refused(store: Engine, name: str, role: str, password: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        add_user(store, name, role, password)
    assert find_user(store, name) is None


def test_a_name_is_taken_once(store: Engine) -> None:
    add_user(store, "alice", "viewer", "long enough")
    with pytest.raises(UserError, match="already"):
        add_user(store, "alice", "admin", "another one")
    assert find_user(store, "alice").role == "viewer"


@pytest.mark.parametrize(
    ("role", "may", "may_not"),
    [
        ("viewer", {"read"}, {"decide", "approve", "sign", "identities", "manage"}),
        ("case_worker", {"read", "decide", "identities"}, {"approve", "sign", "manage"}),
        ("approver", {"read", "decide", "approve", "sign", "identities"}, {"manage"}),
        ("admin", {"read", "decide", "approve", "sign", "identities", "manage"}, set()),
    ],
)
def test_each_role_has_its_rights(store: Engine, role: str, may: set[str], may_not: set[str]) -> None:
    user = add_user(store, "someone", role, "long enough")
    assert {right for right in may | may_not if user.may(right)} == may


def test_users_add_reads_the_password_from_standard_input_and_logs_it(tmp_path: Path, store: Engine) -> None:
    url = str(store.url)
    result = CliRunner().invoke(
        cli, ["users", "add", "carol", "--role", "approver", "--db", url], input="a long password\n"
    )
    assert result.exit_code == 0, result.output
    assert authenticate(store, "carol", "a long password") is not None
    log = audit_log(store)
    assert (log.iloc[0]["action"], log.iloc[0]["target"], log.iloc[0]["detail"]) == (
        "add user",
        "carol",
        {"role": "approver"},
    )


def test_users_add_of_a_bad_role_or_password_exits_2(store: Engine) -> None:
    url = str(store.url)
    bad_role = CliRunner().invoke(cli, ["users", "add", "dan", "--role", "boss", "--db", url], input="long enough\n")
    short = CliRunner().invoke(cli, ["users", "add", "dan", "--role", "viewer", "--db", url], input="short\n")
    assert bad_role.exit_code == 2 and short.exit_code == 2
    assert "shorter than 8" in short.output and find_user(store, "dan") is None
