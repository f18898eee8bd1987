"""Authentication failures, with a machine-readable reason and no personal data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from ecluse.errors import EcluseError

__all__ = ["AuthError", "AuthFailure"]


class AuthFailure(StrEnum):
    BAD_CREDENTIALS = "bad_credentials"  # unknown e-mail or wrong password (never told apart)
    RATE_LIMITED = "rate_limited"
    TOTP_REQUIRED = "totp_required"  # password right, second factor missing: ask for it
    TOTP_ENROLMENT_REQUIRED = "totp_enrolment_required"
    TOTP_INVALID = "totp_invalid"  # wrong, expired or replayed code
    NO_ACCESS = "no_access"  # leaver, or vendor contract not current
    UNKNOWN_TOKEN = "unknown_token"
    EXPIRED = "expired"
    REVOKED = "revoked"


_MESSAGES = {
    AuthFailure.BAD_CREDENTIALS: "wrong e-mail or password",
    AuthFailure.RATE_LIMITED: "too many attempts from this source; try again later",
    AuthFailure.TOTP_REQUIRED: "a one-time code is required",
    AuthFailure.TOTP_ENROLMENT_REQUIRED: "this role needs a one-time code: enrol TOTP first",
    AuthFailure.TOTP_INVALID: "wrong or already used one-time code",
    AuthFailure.NO_ACCESS: "this account has no access",
    AuthFailure.UNKNOWN_TOKEN: "unknown token",
    AuthFailure.EXPIRED: "session expired",
    AuthFailure.REVOKED: "session or token revoked",
}


class AuthError(EcluseError):
    """Authentication refused. The API answers 401 (429 for ``rate_limited``)."""

    def __init__(
        self,
        reason: AuthFailure,
        *,
        person_id: int | None = None,
        retry_after: datetime | None = None,
    ) -> None:
        self.reason = reason
        self.person_id = person_id  # for the ledger's "denied" entry; None if unknown
        self.retry_after = retry_after
        super().__init__(_MESSAGES[reason])
