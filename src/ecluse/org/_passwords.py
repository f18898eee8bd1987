"""Password rules and checks (argon2id through the policy's hasher)."""

from __future__ import annotations

from argon2.exceptions import InvalidHashError, VerificationError

from ecluse.errors import InputError
from ecluse.org._policy import DEFAULT_POLICY, AccountPolicy

__all__ = ["check_password_policy", "verify_password"]


def check_password_policy(
    password: str, email: str, policy: AccountPolicy = DEFAULT_POLICY
) -> None:
    """Length within bounds and not the e-mail address (nor its local part)."""
    if len(password) < policy.password_min_length:
        raise InputError(f"at least {policy.password_min_length} characters", field="password")
    if len(password) > policy.password_max_length:
        raise InputError(f"at most {policy.password_max_length} characters", field="password")
    lowered = password.strip().lower()
    local = email.lower().partition("@")[0]
    if lowered == email.lower() or (len(local) >= 4 and local in lowered):
        raise InputError("must not contain the e-mail address", field="password")
    if len(set(password)) < 4:
        raise InputError("too few different characters", field="password")


def verify_password(policy: AccountPolicy, stored: str | None, password: str) -> bool:
    """Constant-work check; an absent hash still costs one argon2 verification."""
    target = stored or _dummy_hash(policy)
    try:
        ok = policy.hasher.verify(target, password[: policy.password_max_length])
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored is not None


_DUMMIES: dict[tuple[int, int, int], str] = {}


def _dummy_hash(policy: AccountPolicy) -> str:
    key = (policy.argon2_time_cost, policy.argon2_memory_kib, policy.argon2_parallelism)
    if key not in _DUMMIES:
        _DUMMIES[key] = policy.hasher.hash("not a password: equalises timing")
    return _DUMMIES[key]
