"""What a policy set looks at, so that the engine asks Cedar as little as possible.

Two facts are read from the policies' JSON form (Cedar's EST):

* **Which actions each policy can apply to.** A request for ``reveal`` only needs the
  policies whose action scope admits ``reveal``; the engine keeps one smaller policy set per
  action, which makes a case-view computation several times cheaper.
* **How the free-text principal attributes are used.** If ``principal.vendor`` (or
  ``site_country``, ``team``) is only ever compared with ``==``/``!=`` to string literals (and
  ``vendor`` to ``context.requester_vendor``, which a case view sets to the principal's own
  vendor), then two values that are not among those literals are indistinguishable to every
  policy: the cache may key on "some other vendor" instead of the vendor's name. Any other use
  of the attribute makes it *opaque* and the cache keys on its exact value. This is sound by
  construction, whatever policies an operator writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cedarpy

from ecluse.vocabulary import Action

__all__ = ["TRACKED_ATTRIBUTES", "PolicyFacts", "analyse"]

TRACKED_ATTRIBUTES = ("vendor", "site_country", "team")
_ALIASES = {("principal", a): a for a in TRACKED_ATTRIBUTES} | {
    ("context", "requester_vendor"): "vendor"
}


@dataclass(frozen=True)
class PolicyFacts:
    actions: frozenset[Action]  # the actions the policy can apply to
    literals: Mapping[str, frozenset[str]]  # attribute -> literals it is compared with
    opaque: frozenset[str]  # attributes used in any other way


def _attribute(node: Any) -> str | None:
    """The tracked attribute an EST node reads (``principal.vendor`` → ``vendor``), if any."""
    if isinstance(node, dict) and set(node) == {"."}:
        access = node["."]
        var = access.get("left", {}).get("Var") if isinstance(access.get("left"), dict) else None
        return _ALIASES.get((str(var), str(access.get("attr"))))
    return None


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


def analyse(statement: str) -> PolicyFacts:
    """The facts of one policy, given as Cedar text."""
    est = json.loads(cedarpy.policies_to_json_str(statement))
    [policy] = list(est.get("staticPolicies", {}).values())
    literals: dict[str, set[str]] = {a: set() for a in TRACKED_ATTRIBUTES}
    accepted: set[int] = set()
    for node in _walk(policy.get("conditions", [])):
        if not isinstance(node, dict):
            continue
        for op in ("==", "!="):
            pair = node.get(op)
            if not isinstance(pair, dict) or set(pair) != {"left", "right"}:
                continue
            left, right = pair["left"], pair["right"]
            for this, other in ((left, right), (right, left)):
                attribute = _attribute(this)
                if attribute is None:
                    continue
                value = other.get("Value") if isinstance(other, dict) else None
                if isinstance(value, str):
                    literals[attribute].add(value)
                    accepted.add(id(this))
                elif attribute == "vendor" and _attribute(other) == "vendor":
                    accepted.add(id(this))  # principal.vendor == context.requester_vendor
        contains = node.get("contains")
        if isinstance(contains, dict) and set(contains) == {"left", "right"}:
            # ["MA", "TN"].contains(principal.site_country)
            attribute = _attribute(contains["right"])
            members = contains["left"].get("Set") if isinstance(contains["left"], dict) else None
            if attribute is not None and isinstance(members, list):
                values = [m.get("Value") if isinstance(m, dict) else None for m in members]
                if all(isinstance(v, str) for v in values):
                    literals[attribute].update(str(v) for v in values)
                    accepted.add(id(contains["right"]))
    opaque = {
        attribute
        for node in _walk(policy.get("conditions", []))
        if (attribute := _attribute(node)) is not None and id(node) not in accepted
    }
    # the scope (principal == / in ...) never names these attributes, so only conditions count
    return PolicyFacts(
        actions=_actions(policy.get("action", {})),
        literals={a: frozenset(v) for a, v in literals.items()},
        opaque=frozenset(opaque),
    )
