"""Applying a case view to the customer's values: what the person is actually shown."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ecluse.errors import PermissionDenied
from ecluse.masks import mask
from ecluse.policy._model import FieldAccess, Visibility
from ecluse.vocabulary import FieldClass

__all__ = ["shown_values"]


def shown_values(
    view: Mapping[FieldClass, FieldAccess],
    values: Mapping[FieldClass, object],
    *,
    revealed: Collection[FieldClass] = (),
) -> dict[FieldClass, object]:
    """The values ``view`` lets its person see: hidden classes left out, masked ones masked,
    clear ones (and those in ``revealed``, which must be revealable) as they are.

    Raises :class:`PermissionDenied` naming the field class if ``revealed`` asks for one that
    cannot be revealed; the case desk checks the reason and quota before asking.
    """
    for fc in revealed:
        if not view[fc].can_reveal:
            raise PermissionDenied(f"field {fc.value!r} cannot be revealed on this case")
    shown: dict[FieldClass, object] = {}
    for fc, value in values.items():
        access = view[fc]
        if access.visibility is Visibility.HIDDEN:
            continue
        if access.visibility is Visibility.CLEAR or fc in revealed:
            shown[fc] = value
        else:
            shown[fc] = mask(fc, value)
    return shown
