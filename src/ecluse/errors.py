"""Errors shared by every domain module.

Messages never carry clear personal data: they name the place (file, line, field, id) and the
reason, never the offending value.
"""

from __future__ import annotations

__all__ = ["ConfigError", "EcluseError", "InputError", "NotFound", "PermissionDenied"]


class EcluseError(Exception):
    """Base class for every error Ecluse raises on purpose."""


class ConfigError(EcluseError):
    """The configuration file, environment or key material is missing or invalid."""


class InputError(EcluseError):
    """Input rejected; ``where`` names the place (file:line, field) and the message the reason."""

    def __init__(self, reason: str, *, where: str | None = None, field: str | None = None) -> None:
        self.reason = reason
        self.where = where
        self.field = field
        parts = [p for p in (where, f"field {field!r}" if field else None) if p]
        super().__init__(f"{': '.join(parts)}: {reason}" if parts else reason)


class NotFound(EcluseError):
    """The thing does not exist, or the caller may not know whether it exists."""


class PermissionDenied(EcluseError):
    """The caller may not do this."""
