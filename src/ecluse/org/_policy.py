"""Account settings: session lifetimes, lockout, TOTP window, password rules, argon2 cost.

Read from the ``[accounts]`` table of ``ecluse.toml``; every key is optional::

    [accounts]
    session_idle_minutes = 30
    session_absolute_hours = 12
    lockout_failures = 5
    lockout_minutes = 15
    totp_window = 1
    password_min_length = 12
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cached_property
from typing import Any

from argon2 import PasswordHasher

from ecluse.config import Settings
from ecluse.errors import ConfigError

__all__ = ["DEFAULT_POLICY", "AccountPolicy"]


@dataclass(frozen=True)
class AccountPolicy:
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    # Idle expiry needs a last-seen time; refreshing it at most this often keeps
    # resolve_session a read on most requests (a session may expire this much early).
    touch_every: timedelta = timedelta(seconds=60)
    lockout_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    totp_window: int = 1  # accepted 30-second steps either side of now
    password_min_length: int = 12
    password_max_length: int = 1024  # argon2 input bound, against hashing-cost abuse
    # argon2id, OWASP's minimum profile (19 MiB, 2 passes, 1 lane): ~50 ms on the reference box.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1

    @cached_property
    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.argon2_time_cost,
            memory_cost=self.argon2_memory_kib,
            parallelism=self.argon2_parallelism,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPolicy:
        """The policy of an installation (``[accounts]`` in its configuration file)."""
        table = settings.section("accounts")
        known = {
            "session_idle_minutes": ("session_idle", "minutes"),
            "session_absolute_hours": ("session_absolute", "hours"),
            "lockout_minutes": ("lockout", "minutes"),
            "lockout_failures": ("lockout_failures", None),
            "totp_window": ("totp_window", None),
            "password_min_length": ("password_min_length", None),
        }
        changes: dict[str, Any] = {}
        for key, value in table.items():
            if key not in known:
                raise ConfigError(f"{settings.config_path}: [accounts] {key}: unknown setting")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(
                    f"{settings.config_path}: [accounts] {key}: expected a whole number >= 0"
                )
            name, unit = known[key]
            changes[name] = timedelta(**{unit: value}) if unit else value
        if changes.get("password_min_length", 12) < 8:
            raise ConfigError(f"{settings.config_path}: [accounts] password_min_length: >= 8")
        return replace(cls(), **changes)


DEFAULT_POLICY = AccountPolicy()
