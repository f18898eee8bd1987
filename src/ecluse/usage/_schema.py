"""The call-record schema: columns, stored types and the validation rules of ingest.

One record is one event on one line as a mediation system reports it: a voice call, an SMS or a
data session. Times are UTC; numbers are E.164 (``+`` and digits) or short codes.

The store keeps the numbers as integers, which the scoring groups and joins on far more cheaply
than on text: ``msisdn`` is the E.164 number's digits (``+32470123456`` -> 32470123456), and
``other_party`` the same for an E.164 number or, for a short code of n digits, ``-(10**n + code)``
(``112`` -> -1112, ``0800`` -> -10800): negative, so never a number, and its leading zeros kept.
``imei`` (14 to 16 digits, leading zeros possible) is kept as the integer of ``1`` and its
digits (``01234567890123`` -> 101234567890123).
Stores written by earlier versions hold all three as text; the engines convert those on reading
(:func:`legacy_number_sql`, :func:`legacy_party_sql`, :func:`legacy_imei_sql`).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DIRECTIONS",
    "NUMBER_COLUMNS",
    "RECORD_COLUMNS",
    "RECORD_TYPES",
    "REQUIRED_COLUMNS",
    "STORED_TYPES",
    "imei_text_sql",
    "legacy_imei_sql",
    "legacy_number_sql",
    "legacy_party_sql",
    "party_text",
    "stored_imei",
    "stored_number",
    "stored_party",
]

RECORD_TYPES: Final = ("voice", "sms", "data")
DIRECTIONS: Final = ("out", "in")

#: Column name -> stored SQL type (DuckDB and Spark SQL spell these the same).
STORED_TYPES: Final[dict[str, str]] = {
    "record_id": "VARCHAR",
    "msisdn": "BIGINT",
    "start_time": "TIMESTAMP",
    "type": "VARCHAR",
    "direction": "VARCHAR",
    "other_party": "BIGINT",
    "duration_s": "INTEGER",
    "bytes": "BIGINT",
    "cell_id": "VARCHAR",
    "imei": "BIGINT",
    "roaming_country": "VARCHAR",
    "charge": "DOUBLE",
    "plan": "VARCHAR",
}
RECORD_COLUMNS: Final = tuple(STORED_TYPES)
#: Columns a file must carry; the others may be absent (read as empty).
REQUIRED_COLUMNS: Final = ("record_id", "msisdn", "start_time", "type", "direction")
#: Columns stored as integers (see the module's docstring); text in stores of earlier versions.
NUMBER_COLUMNS: Final = ("msisdn", "other_party", "imei")


def legacy_number_sql(col: str) -> str:
    """SQL (DuckDB and Spark) of a validated E.164 text number as stored: its digits."""
    return f"CAST(substr({col}, 2) AS BIGINT)"


def legacy_party_sql(col: str) -> str:
    """SQL (DuckDB and Spark) of a validated other party (E.164 or short code) as stored."""
    return (
        f"CASE WHEN {col} LIKE '+%' THEN {legacy_number_sql(col)} "
        f"WHEN {col} IS NOT NULL THEN -CAST('1' || {col} AS BIGINT) END"
    )


def legacy_imei_sql(col: str) -> str:
    """SQL (DuckDB and Spark) of a validated IMEI text as stored: ``1`` and its digits (``||``,
    not ``concat``, which in DuckDB would turn a missing IMEI into ``1``)."""
    return f"CAST('1' || {col} AS BIGINT)"


def imei_text_sql(col: str) -> str:
    """SQL (DuckDB and Spark): the IMEI text of a stored ``imei``."""
    return f"substr(CAST({col} AS STRING), 2)"


def stored_imei(imei: str) -> int:
    """``01234567890123`` -> 101234567890123."""
    return int("1" + imei)


def stored_number(e164: str) -> int:
    """``+32470123456`` -> 32470123456."""
    return int(e164[1:])


def stored_party(party: str) -> int:
    """An E.164 number as :func:`stored_number`, a short code as ``-(10**n + code)``."""
    return int(party[1:]) if party.startswith("+") else -int("1" + party)


def party_text(stored: int) -> str:
    """The text of a stored ``other_party``: ``+`` and digits, or the short code."""
    return f"+{stored}" if stored > 0 else str(-stored)[1:]
