"""Request bodies: strict (unknown fields refused), bounded, and safe for both databases."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from ecluse._storable import storable_text
from ecluse.cases import OUTCOMES, Priority, RevealReason
from ecluse.vocabulary import CaseStatus, CaseType, FieldClass

__all__ = [
    "ID_PATTERN",
    "MAX_INT",
    "AssignIn",
    "DecisionIn",
    "EditIn",
    "LoginIn",
    "MessageIn",
    "NoteIn",
    "OpenCaseIn",
    "RevealIn",
    "TransitionIn",
]

#: Pseudonymous ids (cases, customers) are short runs of letters and digits.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
#: Largest integer id (PostgreSQL ``integer``): bigger values would fail in the database.
MAX_INT = 2_147_483_647


_Storable = AfterValidator(storable_text)
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Email = Annotated[str, StringConstraints(min_length=1, max_length=320), _Storable]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024), _Storable]
Explanation = Annotated[str, StringConstraints(max_length=500), _Storable]
NoteText = Annotated[str, StringConstraints(min_length=1, max_length=10_000), _Storable]
MessageText = Annotated[str, StringConstraints(min_length=1, max_length=50_000), _Storable]
Value = Annotated[str, StringConstraints(min_length=1, max_length=1000), _Storable]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginIn(_Strict):
    email: Email
    password: Password
    totp: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,8}$")] | None = None


class OpenCaseIn(_Strict):
    customer_id: Id
    type: CaseType
    priority: Priority = Priority.NORMAL


class RevealIn(_Strict):
    field: FieldClass
    reason: RevealReason
    explanation: Explanation = ""


class TransitionIn(_Strict):
    status: CaseStatus
    outcome: Annotated[str, Field(json_schema_extra={"enum": list(OUTCOMES)})] | None = None

    @field_validator("outcome")
    @classmethod
    def _known_outcome(cls, value: str | None) -> str | None:
        if value is not None and value not in OUTCOMES:
            raise ValueError(f"must be one of {', '.join(OUTCOMES)}")
        return value


class AssignIn(_Strict):
    agent_id: Annotated[int, Field(ge=1, le=MAX_INT, strict=True)]


class NoteIn(_Strict):
    text: NoteText


class MessageIn(_Strict):
    text: MessageText


class EditIn(_Strict):
    field: FieldClass
    value: Value


class DecisionIn(_Strict):
    approve: Annotated[bool, Field(strict=True)]
