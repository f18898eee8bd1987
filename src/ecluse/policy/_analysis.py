"""What a policy set looks at, so that the engine asks Cedar as little as possible.

Two facts are read from the policies' JSON form (Cedar's EST):

* **Which actions each policy can apply to.** A request for ``reveal`` only needs the
  policies whose action scope admits ``reveal``; the engine keeps one smaller policy set per
  action, which makes a case-view computation several times cheaper.
* **How the principal's free-text attributes and the case status are used.** If
  ``principal.vendor`` (or ``site_country``, ``team``) is only ever compared with ``==``/``!=``
  to literals or tested with ``[...].contains(...)`` (and ``vendor`` compared with
  ``context.requester_vendor``, which a case view sets to the principal's own vendor), two
  values that no policy names are indistinguishable to every policy: the cache keys on "some
  other vendor" instead of the vendor's name. Likewise, statuses that belong to exactly the
  same tested sets (``new``, ``assigned``, ``in_progress`` and ``pending_customer`` in the
  defaults) share one cache entry. Any other use makes the attribute *opaque* and the cache
  keys on its exact value. This is sound by construction, whatever policies an operator writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cedarpy

from ecluse.vocabulary import Action

__all__ = ["TRACKED_ATTRIBUTES", "PolicyFacts", "analyse"]

TRACKED_ATTRIBUTES = ("vendor", "site_country", "team", "status")
_ALIASES = {("principal", a): a for a in TRACKED_ATTRIBUTES[:3]} | {
    ("context", "requester_vendor"): "vendor",
    ("context", "status"): "status",
}


@dataclass(frozen=True)
class PolicyFacts:
    permit: bool  # a permit (True) or a forbid (False)
    actions: frozenset[Action]  # the actions the policy can apply to
    #: attribute -> the sets of literals it is tested for membership of (``==`` is a set of one)
    tests: Mapping[str, frozenset[frozenset[str]]]
    opaque: frozenset[str]  # attributes used in any other way


def _attribute(node: Any) -> str | None:
    """The tracked attribute an EST node reads (``principal.vendor`` → ``vendor``), if any."""
    if isinstance(node, dict) and set(node) == {"."}:
        access = node["."]
        var = access.get("left", {}).get("Var") if isinstance(access.get("left"), dict) else None
        return _ALIASES.get((str(var), str(access.get("attr"))))
    return None


def _literal(node: Any) -> str | None:
    """A string literal, or the id of an entity literal (``Ecluse::CaseStatus::"new"``)."""
    value = node.get("Value") if isinstance(node, dict) else None
    if isinstance(value, str):
        return value
    entity = value.get("__entity") if isinstance(value, dict) else None
    if isinstance(entity, dict) and isinstance(entity.get("id"), str):
        return str(entity["id"])
    return None


def _literal_set(node: Any) -> frozenset[str] | None:
    members = node.get("Set") if isinstance(node, dict) else None
    if not isinstance(members, list):
        return None
    values = [_literal(m) for m in members]
    if any(v is None for v in values):
        return None
    return frozenset(str(v) for v in values)


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _actions(scope: Mapping[str, Any]) -> frozenset[Action]:
    op = scope.get("op")
    if op == "==":
        entities = [scope.get("entity", {})]
    elif op == "in":
        entities = scope.get("entities") or [scope.get("entity", {})]
    else:
        return frozenset(Action)  # "All", or a form we do not read: assume any action
    named = {str(e.get("id")) for e in entities if isinstance(e, dict)}
    if not named <= {a.value for a in Action}:
        return frozenset(Action)
    return frozenset(Action(n) for n in named)


def _membership_tests(node: dict[str, Any]) -> Iterator[tuple[Any, frozenset[str] | None]]:
    """(attribute node, literals) for each comparison form the analysis understands.

    ``None`` literals mark the one accepted non-literal form: ``principal.vendor ==
    context.requester_vendor``.
    """
    for op in ("==", "!="):
        pair = node.get(op)
        if isinstance(pair, dict) and set(pair) == {"left", "right"}:
            for this, other in ((pair["left"], pair["right"]), (pair["right"], pair["left"])):
                literal = _literal(other)
                if literal is not None:
                    yield this, frozenset({literal})
                elif _attribute(this) == "vendor" and _attribute(other) == "vendor":
                    yield this, None
    contains = node.get("contains")  # ["MA", "TN"].contains(principal.site_country)
    if isinstance(contains, dict) and set(contains) == {"left", "right"}:
        yield contains["right"], _literal_set(contains["left"]) or frozenset({"\0unreadable"})
    member = node.get("in")  # context.status in [Ecluse::CaseStatus::"new", ...]
    if isinstance(member, dict) and set(member) == {"left", "right"}:
        yield member["left"], _literal_set(member["right"]) or frozenset({"\0unreadable"})


def analyse(statement: str) -> PolicyFacts:
    """The facts of one policy, given as Cedar text."""
    est = json.loads(cedarpy.policies_to_json_str(statement))
    [policy] = list(est.get("staticPolicies", {}).values())
    conditions = policy.get("conditions", [])
    tests: dict[str, set[frozenset[str]]] = {a: set() for a in TRACKED_ATTRIBUTES}
    accepted: set[int] = set()
    unreadable: set[str] = set()
    for node in _walk(conditions):
        if not isinstance(node, dict):
            continue
        for this, literals in _membership_tests(node):
            attribute = _attribute(this)
            if attribute is None:
                continue
            accepted.add(id(this))
            if literals is not None and "\0unreadable" in literals:
                unreadable.add(attribute)
            elif literals is not None:
                tests[attribute].add(literals)
    opaque = unreadable | {
        attribute
        for node in _walk(conditions)
        if (attribute := _attribute(node)) is not None and id(node) not in accepted
    }
    # the scope (principal == / in ...) never names these attributes, so only conditions count
    return PolicyFacts(
        permit=policy.get("effect") == "permit",
        actions=_actions(policy.get("action", {})),
        tests={a: frozenset(v) for a, v in tests.items()},
        opaque=frozenset(opaque),
    )
