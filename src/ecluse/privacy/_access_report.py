"""Who saw my data (GDPR Art. 15): every access to one customer, from the ledger.

For each access: when, which company (the operator or a vendor), site and country, the
agent's pseudonymous handle, the case and its purpose, which fields and whether masked or in
clear, and why. As JSON, and as a printable HTML page in the customer's language.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ecluse.ledger import Entry, EntryKind, Ledger
from ecluse.privacy._labels import label

__all__ = ["Access", "AccessReport", "access_report", "render_access_report_html"]

_SHOWN_KINDS = {
    EntryKind.VIEW.value: "viewed",
    EntryKind.REVEAL.value: "revealed",
    EntryKind.EDIT.value: "edited",
    EntryKind.APPROVAL.value: "approved",
    EntryKind.EXPORT.value: "exported",
    EntryKind.DECISION.value: "decided",
    EntryKind.DENIED.value: "denied",
}
_BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True, slots=True)
class Access:
    at: datetime
    action: str  # viewed | revealed | edited | approved | exported | decided | denied
    organisation: str  # vendor name, or "operator"
    site: str
    country: str
    agent: str  # pseudonymous handle
    case_id: str | None
    purpose: str  # case type
    fields: dict[str, str]  # field class -> masked | clear
    reason: str | None
    ledger_index: int

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "action": self.action,
            "organisation": self.organisation,
            "site": self.site,
            "country": self.country,
            "agent": self.agent,
            "case": self.case_id,
            "purpose": self.purpose,
            "fields": self.fields,
            "reason": self.reason,
            "ledger_index": self.ledger_index,
        }


@dataclass(frozen=True, slots=True)
class AccessReport:
    customer_id: str
    language: str
    accesses: tuple[Access, ...]
    checkpoint_size: int | None
    checkpoint_root: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer_id,
            "language": self.language,
            "accesses": [a.to_json() for a in self.accesses],
            "ledger_checkpoint": {"tree_size": self.checkpoint_size, "root": self.checkpoint_root},
        }


def _access(entry: Entry) -> Access | None:
    action = _SHOWN_KINDS.get(entry.kind)
    if action is None:
        return None
    d = entry.details
    fields: dict[str, str] = {}
    if isinstance(d.get("fields"), dict):
        fields = {str(k): str(v) for k, v in d["fields"].items()}
    elif d.get("field"):
        fields = {str(d["field"]): "clear" if entry.kind == EntryKind.REVEAL.value else "change"}
    return Access(
        at=entry.time,
        action=action,
        organisation=str(d.get("vendor") or "operator"),
        site=str(d.get("site") or ""),
        country=str(d.get("country") or ""),
        agent=entry.actor,
        case_id=entry.case_id,
        purpose=str(d.get("case_type") or ""),
        fields=fields,
        reason=str(d["reason"]) if d.get("reason") else None,
        ledger_index=entry.index,
    )


def access_report(ledger: Ledger, customer_id: str, language: str = "en") -> AccessReport:
    """Everything the ledger holds about one customer's data being accessed."""
    accesses = tuple(a for e in ledger.entries_for_subject(customer_id) if (a := _access(e)))
    checkpoint = ledger.latest_checkpoint()
    return AccessReport(
        customer_id,
        language if language in ("fr", "nl", "en") else "en",
        accesses,
        checkpoint.tree_size if checkpoint else None,
        checkpoint.root_hash.hex() if checkpoint else None,
    )


def _sentence(a: Access, lang: str) -> str:
    fields = ", ".join(
        f"{label(f, lang)} ({label(v, lang) if v in ('masked', 'clear') else v})"
        for f, v in a.fields.items()
    )
    text = f"{label(a.action, lang)} {fields}".strip()
    if a.reason:
        text += f" — {label(a.reason, lang)}"
    return text


def render_access_report_html(report: AccessReport) -> str:
    """A self-contained, printable page (no scripts, no external assets)."""
    lang = report.language
    esc = html.escape
    rows = []
    for a in report.accesses:
        org = label("operator", lang) if a.organisation == "operator" else a.organisation
        where = ", ".join(p for p in (a.site, a.country) if p)
        rows.append(
            "<tr>"
            f"<td>{esc(a.at.astimezone(_BRUSSELS).strftime('%Y-%m-%d %H:%M'))}</td>"
            f"<td>{esc(org)}<br><small>{esc(label('agent', lang))} {esc(a.agent)}</small></td>"
            f"<td>{esc(where)}</td>"
            f"<td>{esc(label(a.purpose, lang))}<br><small>{esc(a.case_id or '')}</small></td>"
            f"<td>{esc(_sentence(a, lang))}</td>"
            "</tr>"
        )
    body = (
        "<table><thead><tr>"
        + "".join(
            f"<th scope=col>{esc(label(k, lang))}</th>"
            for k in ("when", "who", "where", "why", "what")
        )
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        if rows
        else f"<p>{esc(label('none', lang))}</p>"
    )
    reference = (
        f"{report.checkpoint_size}:{report.checkpoint_root}" if report.checkpoint_root else "—"
    )
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{esc(label("title", lang))}</title>
<style>
body {{ font: 11pt/1.45 system-ui, sans-serif; margin: 2em; color: #111; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #999; padding: .35em .5em;
          text-align: left; vertical-align: top; }}
small {{ color: #444; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>{esc(label("title", lang))}</h1>
<p>{esc(label("intro", lang))}</p>
{body}
<p><small>{esc(label("footer", lang))} <code>{esc(reference)}</code></small></p>
</body></html>
"""
