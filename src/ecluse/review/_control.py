"""Line control: how a measure decided by people reaches the network.

A small interface with real implementations: :class:`HttpProvisioning` posts each apply/lift
to the operator's provisioning API; :class:`ManualProvisioning` is for operators without one:
the network team applies the active measures listed by ``ecluse usage measures``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

from ecluse.errors import EcluseError

__all__ = ["HttpProvisioning", "LineControl", "ManualProvisioning", "ProvisioningError"]


class ProvisioningError(EcluseError):
    """The network did not take the measure; the measure stays in its previous state."""


class LineControl(Protocol):
    def apply(self, measure_id: int, line_id: str, msisdn: str, measure: str) -> None: ...

    def lift(self, measure_id: int, line_id: str, msisdn: str, measure: str) -> None: ...


class ManualProvisioning:
    """No integration: the measures table is the work list of the network team."""

    def apply(self, measure_id: int, line_id: str, msisdn: str, measure: str) -> None:
        return None

    def lift(self, measure_id: int, line_id: str, msisdn: str, measure: str) -> None:
        return None


@dataclass
class HttpProvisioning:
    """POST ``{"action", "measure_id", "line", "msisdn", "measure"}`` to the provisioning API.

    It runs inside the operator's network, so it receives the MSISDN it must act on; the
    idempotency key (measure id + action) makes retries safe on its side.
    """

    url: str
    token: str = ""
    timeout: float = 10.0

    def _post(self, action: str, measure_id: int, line_id: str, msisdn: str, measure: str) -> None:
        headers = {"Idempotency-Key": f"measure-{measure_id}-{action}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {
            "action": action,
            "measure_id": measure_id,
            "line": line_id,
            "msisdn": msisdn,
            "measure": measure,
        }
        try:
            response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ProvisioningError(
                f"provisioning API unreachable ({type(exc).__name__})"
            ) from None
        if response.status_code // 100 != 2:
            raise ProvisioningError(f"provisioning API answered {response.status_code}")

    def apply(self, measure_id: int, line_id: str, msisdn: str, measure: str) -> None:
        self._post("apply", measure_id, line_id, msisdn, measure)

    def lift(self, measure_id: int, line_id: str, msisdn: str, measure: str) -> None:
        self._post("lift", measure_id, line_id, msisdn, measure)
