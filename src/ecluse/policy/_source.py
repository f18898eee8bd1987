"""Reading, checking and compiling a policy set: the shipped defaults plus the operator's files.

A policy set is every ``*.cedar`` file and ``quotas.toml`` of the defaults directory, where a
file of the same name in the operator's directory replaces the default one (an empty file
switches a default off) and other files add to it. Each policy must carry a unique
``@id("...")``; explanations name policies by it.

Cedar's parser reports no positions, so each file is cut into its statements (at the ``;``
that ends a policy, outside strings and comments) and each statement is parsed and validated
on its own: a problem is then reported as ``file:line`` of the statement.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cedarpy

from ecluse.errors import EcluseError
from ecluse.policy._analysis import TRACKED_ATTRIBUTES, analyse
from ecluse.policy._schema import SCHEMA_TEXT
from ecluse.vocabulary import Action, CaseStatus, Role

__all__ = [
    "DEFAULTS_DIR",
    "QUOTAS_FILE",
    "PolicyBundle",
    "PolicyError",
    "PolicyFile",
    "PolicyProblem",
    "check_policies",
    "compile_bundle",
    "policy_files",
]

DEFAULTS_DIR = Path(__file__).parent / "defaults"
QUOTAS_FILE = "quotas.toml"
_SCHEMA = cedarpy.Schema.from_str(SCHEMA_TEXT)


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy file, at a line when it can be told."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class PolicyError(EcluseError):
    """A policy set that does not load; ``problems`` names each file, line and reason."""

    def __init__(self, problems: Sequence[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid policy set"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


@dataclass(frozen=True)
class PolicyFile:
    """One file of a policy set: its name, where it came from and its content."""

    name: str
    path: Path
    origin: str  # "default" or "override"
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PolicyBundle:
    """A validated, compiled policy set."""

    files: tuple[PolicyFile, ...]
    policy_set: cedarpy.PolicySet
    descriptions: Mapping[str, str]  # @id -> the comment above the policy
    locations: Mapping[str, str]  # @id -> "file:line"
    reveal_quotas: Mapping[Role, int]
    digest: str
    #: the policies that can apply to each action (smaller sets: cheaper Cedar requests)
    by_action: Mapping[Action, cedarpy.PolicySet]
    #: per action, the @id of Cedar's positional ``policyN`` in ``by_action[action]``
    positional_ids: Mapping[Action, tuple[str, ...]]
    #: the permits alone, per action: would anything allow it, were it not for a forbid?
    permits_by_action: Mapping[Action, cedarpy.PolicySet]
    #: per free-text principal attribute, the literals policies compare it with; ``None``
    #: when a policy uses it otherwise (then the exact value matters)
    literals: Mapping[str, frozenset[str] | None]
    #: each status -> the first status no policy tells apart from it (same tested sets)
    status_classes: Mapping[CaseStatus, CaseStatus]
    #: decisions already built from Cedar's answers (see _evaluate), shared by the engine
    decision_memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def policy_ids(self) -> tuple[str, ...]:
        return tuple(self.locations)


def policy_files(override_dir: Path | None, defaults_dir: Path = DEFAULTS_DIR) -> list[Path]:
    """The files making up the policy set, the operator's replacing defaults of the same name."""
    chosen: dict[str, Path] = {}
    for directory in (defaults_dir, override_dir):
        if directory is None or not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and (path.suffix == ".cedar" or path.name == QUOTAS_FILE):
                chosen[path.name] = path
    return [chosen[name] for name in sorted(chosen)]


def read_files(override_dir: Path | None, defaults_dir: Path = DEFAULTS_DIR) -> list[PolicyFile]:
    files = []
    problems = []
    for path in policy_files(override_dir, defaults_dir):
        origin = "default" if path.parent == defaults_dir else "override"
        try:
            text = path.read_text(encoding="utf-8-sig")  # editors on Windows add a BOM
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(PolicyProblem(str(path), None, f"cannot read: {exc}"))
            continue
        files.append(PolicyFile(path.name, path, origin, text))
    if problems:
        raise PolicyError(problems)
    return files


@dataclass(frozen=True)
class _Statement:
    text: str
    line: int  # line of its first token in the file
    comment: str  # the comment block right above it


def split_statements(text: str) -> list[_Statement]:
    """Cut Cedar source into statements ending with ``;`` (or an unterminated tail)."""
    out: list[_Statement] = []
    start = 0
    i = 0
    in_string = False
    n = len(text)
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch == ";":
            out.append(_statement(text, start, i + 1))
            start = i + 1
        i += 1
    tail = _statement(text, start, n)
    if tail.text.strip():
        out.append(tail)
    return out


def _statement(text: str, start: int, end: int) -> _Statement:
    chunk = text[start:end]
    lines = chunk.split("\n")
    comment: list[str] = []
    first = len(lines)  # no code at all: a tail of comments
    for index, raw in enumerate(lines):
        stripped = raw.strip()
        if stripped.startswith("//"):
            # a comment after the previous policy's ";" on its line belongs to that policy
            if index > 0 or start == 0:
                comment.append(stripped[2:].strip())
        elif stripped:
            first = index
            break
        else:
            comment = []  # a blank line separates a file header from the policy's own comment
    code = "\n".join(lines[first:])
    line = text.count("\n", 0, start) + 1 + first
    return _Statement(code, line, " ".join(comment))


def _policy_id(statement: _Statement, file: str) -> tuple[str | None, list[PolicyProblem]]:
    try:
        est = json.loads(cedarpy.policies_to_json_str(statement.text))
    except ValueError as exc:
        return None, [PolicyProblem(file, statement.line, f"does not parse: {exc}")]
    policies: dict[str, Any] = {**est.get("staticPolicies", {}), **est.get("templates", {})}
    if len(policies) != 1 or est.get("templates"):
        return None, [PolicyProblem(file, statement.line, "expected one policy (no templates)")]
    annotations = next(iter(policies.values())).get("annotations", {})
    policy_id = annotations.get("id")
    if not policy_id:
        return None, [PolicyProblem(file, statement.line, 'policy has no @id("...") annotation')]
    return str(policy_id), []


def _check_cedar(file: PolicyFile) -> tuple[list[tuple[str, _Statement]], list[PolicyProblem]]:
    found: list[tuple[str, _Statement]] = []
    problems: list[PolicyProblem] = []
    for statement in split_statements(file.text):
        policy_id, errors = _policy_id(statement, file.name)
        if errors:
            problems += errors
            continue
        result = cedarpy.validate_policies(statement.text, _SCHEMA)
        for error in result.errors:
            message = error.error.replace("for policy `policy0`", f"in policy {policy_id!r}")
            problems.append(PolicyProblem(file.name, statement.line, message))
        if result.validation_passed and policy_id is not None:
            found.append((policy_id, statement))
    return found, problems


def _quotas(file: PolicyFile | None) -> tuple[dict[Role, int], list[PolicyProblem]]:
    quotas = dict.fromkeys(Role, 0)
    if file is None:
        return quotas, []
    try:
        raw = tomllib.loads(file.text)
    except tomllib.TOMLDecodeError as exc:
        return quotas, [PolicyProblem(file.name, None, f"not valid TOML: {exc}")]
    problems = []
    table = raw.get("reveal_per_day", {})
    if not isinstance(table, dict):
        return quotas, [PolicyProblem(file.name, None, "[reveal_per_day] must be a table")]
    for key, value in table.items():
        if key not in Role.__members__.values():
            problems.append(PolicyProblem(file.name, None, f"[reveal_per_day] {key}: no such role"))
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(
                PolicyProblem(file.name, None, f"[reveal_per_day] {key}: must be an integer ≥ 0")
            )
        else:
            quotas[Role(key)] = value
    return quotas, problems


def _status_classes(tests: set[frozenset[str]] | None) -> dict[CaseStatus, CaseStatus]:
    if tests is None:
        return {status: status for status in CaseStatus}
    ordered = sorted(tests, key=sorted)
    classes: dict[tuple[bool, ...], CaseStatus] = {}
    out = {}
    for status in CaseStatus:
        signature = tuple(status.value in test for test in ordered)
        out[status] = classes.setdefault(signature, status)
    return out


def compile_bundle(files: Sequence[PolicyFile]) -> PolicyBundle:
    """Check every file and compile the set; raise :class:`PolicyError` naming every problem."""
    problems: list[PolicyProblem] = []
    descriptions: dict[str, str] = {}
    locations: dict[str, str] = {}
    sources: list[str] = []
    per_action: dict[Action, list[str]] = {a: [] for a in Action}
    permits: dict[Action, list[str]] = {a: [] for a in Action}
    positional: dict[Action, list[str]] = {a: [] for a in Action}
    tests: dict[str, set[frozenset[str]] | None] = {a: set() for a in TRACKED_ATTRIBUTES}
    quota_file = None
    for file in files:
        if file.name == QUOTAS_FILE:
            quota_file = file
            continue
        found, errors = _check_cedar(file)
        problems += errors
        for policy_id, statement in found:
            where = f"{file.name}:{statement.line}"
            if policy_id in locations:
                problems.append(
                    PolicyProblem(
                        file.name,
                        statement.line,
                        f"@id {policy_id!r} is already used at {locations[policy_id]}",
                    )
                )
                continue
            locations[policy_id] = where
            descriptions[policy_id] = statement.comment
            sources.append(statement.text)
            facts = analyse(statement.text)
            for action in facts.actions:
                per_action[action].append(statement.text)
                positional[action].append(policy_id)
                if facts.permit:
                    permits[action].append(statement.text)
            for attribute, sets in facts.tests.items():
                known = tests[attribute]
                if attribute in facts.opaque:
                    tests[attribute] = None
                elif known is not None:
                    known.update(sets)
    quotas, errors = _quotas(quota_file)
    problems += errors
    if problems:
        raise PolicyError(problems)
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(f"{file.name}\0{file.sha256}\n".encode())
    return PolicyBundle(
        files=tuple(files),
        policy_set=cedarpy.PolicySet.from_str("\n".join(sources)),
        descriptions=descriptions,
        locations=locations,
        reveal_quotas=quotas,
        digest=digest.hexdigest(),
        by_action={a: cedarpy.PolicySet.from_str("\n".join(t)) for a, t in per_action.items()},
        positional_ids={a: tuple(ids) for a, ids in positional.items()},
        permits_by_action={a: cedarpy.PolicySet.from_str("\n".join(t)) for a, t in permits.items()},
        literals={
            a: None if sets is None else frozenset().union(*sets)
            for a, sets in tests.items()
            if a != "status"
        },
        status_classes=_status_classes(tests["status"]),
    )


def check_policies(override_dir: Path | None, defaults_dir: Path = DEFAULTS_DIR) -> PolicyBundle:
    """Load and check the policy set made of the defaults and ``override_dir``.

    Raises :class:`PolicyError` listing every problem (file, line, reason).
    """
    if override_dir is not None and not override_dir.is_dir():
        raise PolicyError([PolicyProblem(str(override_dir), None, "not a directory")])
    return compile_bundle(read_files(override_dir, defaults_dir))
