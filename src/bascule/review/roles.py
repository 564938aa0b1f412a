"""The roles of the review and the rights each gives (a light module: the command line lists the roles)."""

from __future__ import annotations

READ, DECIDE, APPROVE, SIGN, IDENTITIES, MANAGE = "read", "decide", "approve", "sign", "identities", "manage"
RIGHTS: dict[str, frozenset[str]] = {
    "viewer": frozenset({READ}),
    "case_worker": frozenset({READ, DECIDE, IDENTITIES}),  # they work the cases: they may see who is concerned
    "approver": frozenset({READ, DECIDE, APPROVE, SIGN, IDENTITIES}),
    "admin": frozenset({READ, DECIDE, APPROVE, SIGN, IDENTITIES, MANAGE}),
}
ROLES = tuple(RIGHTS)
