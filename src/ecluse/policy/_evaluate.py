"""Asking Cedar: one batch of requests per (person, case) shape, turned into field accesses."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import cedarpy

from ecluse.policy._model import (
    CaseContext,
    Decision,
    EditRight,
    FieldAccess,
    Principal,
    Visibility,
)
from ecluse.policy._schema import NAMESPACE
from ecluse.policy._source import PolicyBundle
from ecluse.vocabulary import Action, FieldClass

__all__ = ["evaluate", "evaluate_view"]

_PRINCIPAL = {"type": f"{NAMESPACE}::Person", "id": "principal"}
_ACTIONS = {action: {"type": f"{NAMESPACE}::Action", "id": action.value} for action in Action}
_FIELDS = {fc: {"type": f"{NAMESPACE}::Field", "id": fc.value} for fc in FieldClass}
# the actions a case view asks about; edit is asked twice (after and before approval)
_VIEW_ACTIONS = (
    Action.VIEW_MASKED,
    Action.VIEW_CLEAR,
    Action.REVEAL,
    Action.EXPORT,
    Action.EDIT,
    Action.APPROVE_EDIT,
)


def _ref(kind: str, value: str) -> dict[str, Any]:
    return {"__entity": {"type": f"{NAMESPACE}::{kind}", "id": value}}


def _entities(principal: Principal, case: CaseContext, fields: tuple[FieldClass, ...]) -> str:
    entities: list[dict[str, Any]] = [
        {
            "uid": _PRINCIPAL,
            "attrs": {
                "role": _ref("Role", principal.role.value),
                "vendor": principal.vendor,
                "site_country": principal.site_country,
                "team": principal.team,
            },
            "parents": [],
        }
    ]
    for fc in fields:
        entities.append(
            {
                "uid": _FIELDS[fc],
                "attrs": {
                    "field_class": _ref("FieldClass", fc.value),
                    "case_type": _ref("CaseType", case.case_type.value),
                },
                "parents": [],
            }
        )
    return json.dumps(entities)


def _context(principal: Principal, case: CaseContext, *, edit_approved: bool) -> dict[str, Any]:
    vendor = principal.vendor if case.requester_vendor is None else case.requester_vendor
    return {
        "status": _ref("CaseStatus", case.status.value),
        "assigned_to_principal": case.assigned_to_principal,
        "in_principal_team_queue": case.in_principal_team_queue,
        "principal_is_requester": case.principal_is_requester,
        "requester_vendor": vendor,
        "edit_approved": edit_approved,
    }


def _decision(bundle: PolicyBundle, action: Action, result: cedarpy.AuthzResult) -> Decision:
    diagnostics = result.diagnostics
    allowed = bool(result.allowed)
    # the same few answers come back again and again: build each Decision once per set
    key = (action, allowed, tuple(diagnostics.reasons), tuple(diagnostics.errors))
    known = bundle.decision_memo.get(key)
    if known is None:
        known = bundle.decision_memo[key] = _new_decision(bundle, action, allowed, diagnostics)
    return known


_POSITIONAL = re.compile(r"`policy(\d+)`")


def _new_decision(
    bundle: PolicyBundle, action: Action | None, allowed: bool, diagnostics: cedarpy.Diagnostics
) -> Decision:
    annotations = diagnostics.id_annotations_by_reason
    ids = tuple(sorted(str(annotations.get(r, r)) for r in diagnostics.reasons))
    verb = "permitted by" if allowed else "forbidden by"
    reasons = [f"{verb} {pid}: {bundle.descriptions.get(pid, '')}".rstrip(": ") for pid in ids]
    if not ids and not allowed:
        reasons.append("no policy permits this (denied by default)")
    errors = [_name_policies(bundle, action, str(err)) for err in diagnostics.errors]
    if errors:
        # Cedar skips a policy that fails to evaluate; a skipped forbid would let through what
        # it should stop, so any evaluation error denies (fail closed) and is said
        allowed = False
        reasons.insert(0, "denied: a policy could not be evaluated")
        reasons += [f"policy error: {err}" for err in errors]
    return Decision(allowed, ids, tuple(reasons))


def _name_policies(bundle: PolicyBundle, action: Action | None, message: str) -> str:
    """Cedar's positional ``policyN`` in an error message, replaced by the policy's @id."""
    if action is None:
        return message
    names = bundle.positional_ids[action]

    def name(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return repr(names[index]) if index < len(names) else match.group(0)

    return _POSITIONAL.sub(name, message)


def evaluate(
    bundle: PolicyBundle,
    principal: Principal,
    action: Action,
    field_class: FieldClass,
    case: CaseContext,
    *,
    permits_only: bool = False,
) -> Decision:
    """One decision, straight from Cedar (``permits_only``: ignoring every forbid)."""
    request = {
        "principal": _PRINCIPAL,
        "action": _ACTIONS[action],
        "resource": _FIELDS[field_class],
        "context": _context(principal, case, edit_approved=case.edit_approved),
    }
    entities = _entities(principal, case, (field_class,))
    policies = (bundle.permits_by_action if permits_only else bundle.by_action)[action]
    [result] = cedarpy.is_authorized_batch([request], policies, entities)
    if permits_only:  # not memoised: positional ids differ from the full set's
        return _new_decision(bundle, None, bool(result.allowed), result.diagnostics)
    return _decision(bundle, action, result)


_NOT_REVEALABLE = Decision(False, (), ("only a field one sees masked can be revealed",))


def evaluate_view(
    bundle: PolicyBundle, principal: Principal, case: CaseContext
) -> Mapping[FieldClass, FieldAccess]:
    """Every action on every field class of one case for one person: one Cedar batch per
    action, each against only the policies that can apply to that action, and only for the
    fields where the answer matters."""
    entities = cedarpy.Entities.from_json_str(_entities(principal, case, tuple(FieldClass)))
    # serialised once here rather than once per request inside cedarpy
    plain = json.dumps(_context(principal, case, edit_approved=False))
    approved = json.dumps(_context(principal, case, edit_approved=True))

    def ask(action: Action, fields: list[FieldClass], context: str) -> dict[FieldClass, Decision]:
        if not fields:
            return {}
        requests = [
            {
                "principal": _PRINCIPAL,
                "action": _ACTIONS[action],
                "resource": _FIELDS[fc],
                "context": context,
            }
            for fc in fields
        ]
        results = cedarpy.is_authorized_batch(requests, bundle.by_action[action], entities)
        return {fc: _decision(bundle, action, r) for fc, r in zip(fields, results, strict=True)}

    every = list(FieldClass)
    answers: dict[Action, dict[FieldClass, Decision]] = {
        action: ask(action, every, approved if action is Action.EDIT else plain)
        for action in _VIEW_ACTIONS
        if action is not Action.REVEAL
    }
    masked = [
        fc
        for fc in every
        if answers[Action.VIEW_MASKED][fc].allowed and not answers[Action.VIEW_CLEAR][fc].allowed
    ]
    answers[Action.REVEAL] = ask(Action.REVEAL, masked, plain)
    editable = [fc for fc in every if answers[Action.EDIT][fc].allowed]
    unapproved = ask(Action.EDIT, editable, plain)
    view: dict[FieldClass, FieldAccess] = {}
    for fc in every:
        decisions = {action: answers[action].get(fc, _NOT_REVEALABLE) for action in _VIEW_ACTIONS}
        # a field that cannot be edited even once approved cannot be edited before either
        view[fc] = _access(fc, decisions, unapproved.get(fc, decisions[Action.EDIT]))
    return MappingProxyType(view)


def _access(fc: FieldClass, decisions: dict[Action, Decision], unapproved: Decision) -> FieldAccess:
    if decisions[Action.VIEW_CLEAR].allowed:
        visibility = Visibility.CLEAR
    elif decisions[Action.VIEW_MASKED].allowed:
        visibility = Visibility.MASKED
    else:
        visibility = Visibility.HIDDEN
    if not decisions[Action.EDIT].allowed:
        edit = EditRight.NONE
    elif unapproved.allowed:
        edit = EditRight.DIRECT
    else:
        edit = EditRight.NEEDS_APPROVAL
    return FieldAccess(
        field_class=fc,
        visibility=visibility,
        # a reveal shows in clear what one sees masked; nothing hidden can be revealed,
        # whatever a policy says
        can_reveal=visibility is Visibility.MASKED and decisions[Action.REVEAL].allowed,
        can_export=decisions[Action.EXPORT].allowed,
        edit=edit,
        can_approve_edit=decisions[Action.APPROVE_EDIT].allowed,
        decisions=MappingProxyType(decisions),
        unapproved_edit=unapproved,
    )
