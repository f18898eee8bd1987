"""Small hand-crafted call records for the usage tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ecluse.usage._schema import stored_imei, stored_number, stored_party

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
LINE = "+32470000001"

# a mediation file's text; the store keeps msisdn, other_party and imei as integers (_STORED)
_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("msisdn", pa.string()),
        ("start_time", pa.timestamp("us")),
        ("type", pa.string()),
        ("direction", pa.string()),
        ("other_party", pa.string()),
        ("duration_s", pa.int32()),
        ("bytes", pa.int64()),
        ("cell_id", pa.string()),
        ("imei", pa.string()),
        ("roaming_country", pa.string()),
        ("charge", pa.float64()),
        ("plan", pa.string()),
    ]
)


_STORED = pa.schema(
    [
        pa.field(f.name, pa.int64()) if f.name in ("msisdn", "other_party", "imei") else f
        for f in _SCHEMA
    ]
)


class Records:
    """Builder: ``add(...)`` one event or ``many(...)`` a series; ``write(dir)`` to Parquet."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        at: datetime,
        *,
        line: str = LINE,
        type: str = "voice",
        direction: str = "out",
        party: str | None = "+32471000000",
        duration: int = 60,
        bytes: int = 0,
        cell: str = "C1",
        imei: str = "350000000000001",
        roaming: str | None = None,
        charge: float = 0.0,
        plan: str = "consumer_m",
    ) -> None:
        self.rows.append(
            {
                "record_id": f"R{len(self.rows) + 1}",
                "msisdn": line,
                "start_time": at.replace(tzinfo=None),
                "type": type,
                "direction": direction,
                "other_party": party,
                "duration_s": duration,
                "bytes": bytes,
                "cell_id": cell,
                "imei": imei,
                "roaming_country": roaming,
                "charge": charge,
                "plan": plan,
            }
        )

    def many(
        self, start: datetime, n: int, step: timedelta, parties: Iterable[str], **kw: Any
    ) -> None:
        for i, party in zip(range(n), parties, strict=False):
            self.add(start + i * step, party=party, **kw)

    def baseline(self, days: int, *, line: str = LINE, per_day: int = 5, **kw: Any) -> None:
        """A quiet personal history: a few calls and SMS a day to five friends."""
        for d in range(days):
            day = DAY0 + timedelta(days=d, hours=9)
            for i in range(per_day):
                party = f"+3247100000{i % 5}"
                self.add(day + timedelta(hours=i), line=line, party=party, **kw)
                self.add(day + timedelta(hours=i, minutes=30), line=line, party=party,
                         direction="in", **kw)  # fmt: skip
                self.add(day + timedelta(hours=i, minutes=40), line=line, party=party,
                         type="sms", duration=0, **kw)  # fmt: skip

    def write(self, directory: Path, name: str = "cdr.parquet", *, text: bool = False) -> Path:
        """Parquet as the store keeps it, or with ``text`` as a mediation system (and stores of
        earlier versions) write it: the numbers as text."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        if text:
            table = pa.Table.from_pylist(self.rows, schema=_SCHEMA)
        else:
            rows = [
                {
                    **r,
                    "msisdn": stored_number(r["msisdn"]),
                    "imei": None if r["imei"] is None else stored_imei(r["imei"]),
                    "other_party": None
                    if r["other_party"] is None
                    else stored_party(r["other_party"]),
                }
                for r in self.rows
            ]
            table = pa.Table.from_pylist(rows, schema=_STORED)
        pq.write_table(table, path)
        return path


def national(i: int) -> str:
    return f"+3248{i:07d}"
