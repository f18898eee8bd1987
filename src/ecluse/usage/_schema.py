"""The call-record schema: columns, stored types and the validation rules of ingest.

One record is one event on one line as a mediation system reports it: a voice call, an SMS or a
data session. Times are UTC; numbers are E.164 (``+`` and digits) or short codes.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DIRECTIONS",
    "RECORD_COLUMNS",
    "RECORD_TYPES",
    "REQUIRED_COLUMNS",
    "STORED_TYPES",
]

RECORD_TYPES: Final = ("voice", "sms", "data")
DIRECTIONS: Final = ("out", "in")

#: Column name -> stored SQL type (DuckDB and Spark SQL spell these the same).
STORED_TYPES: Final[dict[str, str]] = {
    "record_id": "VARCHAR",
    "msisdn": "VARCHAR",
    "start_time": "TIMESTAMP",
    "type": "VARCHAR",
    "direction": "VARCHAR",
    "other_party": "VARCHAR",
    "duration_s": "INTEGER",
    "bytes": "BIGINT",
    "cell_id": "VARCHAR",
    "imei": "VARCHAR",
    "roaming_country": "VARCHAR",
    "charge": "DOUBLE",
    "plan": "VARCHAR",
}
RECORD_COLUMNS: Final = tuple(STORED_TYPES)
#: Columns a file must carry; the others may be absent (read as empty).
REQUIRED_COLUMNS: Final = ("record_id", "msisdn", "start_time", "type", "direction")
