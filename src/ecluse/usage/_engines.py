"""Analytics engines that run the feature job: DuckDB (default) and Apache Spark (local/cluster).

Both expose the same operations: register the inputs, run the feature kernel over a query's
records, define a query under a name, and fetch a (small) query result as an Arrow table.
They differ in how the records reach the kernel (DuckDB streams its result, in the store's
order; Spark partitions the records by line and sorts each partition), in the ``records`` view
(reading Parquet is spelt differently) and in the few spellings of ``_features.Dialect``.
Files of earlier versions' stores, with the numbers as text, are read apart and their numbers
converted (the same SQL on both engines), so that the features always see the integer numbers
of the current store.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from ecluse.errors import EcluseError
from ecluse.usage._kernel import (
    FLOAT_COLUMNS,
    INT_COLUMNS,
    KernelSetup,
    UnsortedRecords,
    line_rows,
    load,
)
from ecluse.usage._ranges import RangeTable
from ecluse.usage._schema import (
    NUMBER_COLUMNS,
    RECORD_COLUMNS,
    STORED_TYPES,
    legacy_imei_sql,
    legacy_number_sql,
    legacy_party_sql,
)

__all__ = ["ENGINES", "AnalyticsEngine", "DuckDBEngine", "SparkEngine", "open_engine"]

ENGINES = ("duckdb", "spark")
_SPARK_TYPES = {
    "VARCHAR": "string",
    "TIMESTAMP": "timestamp",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
}


_LINES_SCHEMA = pa.schema(
    [*((c, pa.int64()) for c in INT_COLUMNS), *((c, pa.float64()) for c in FLOAT_COLUMNS)]
)
#: The kernel's output as Spark declares it.
_LINES_DDL = ", ".join(
    [*(f"{c} bigint" for c in INT_COLUMNS), *(f"{c} double" for c in FLOAT_COLUMNS)]
)


class AnalyticsEngine(Protocol):
    name: str

    def register_records(self, paths: Sequence[Path]) -> None: ...
    def register_ranges(self, ranges: RangeTable) -> None: ...
    def kernel(self, name: str, feed: str, setup: KernelSetup) -> None: ...
    def define(self, name: str, sql: str) -> None: ...
    def fetch(self, sql: str) -> pa.Table: ...
    def close(self) -> None: ...
    def epoch(self, timestamp: str) -> str: ...
    def timestamp(self, seconds: str) -> str: ...
    def text_hash(self, text: str) -> str: ...
    def literal(self, text: str) -> str: ...


def _ranges_columns(ranges: RangeTable) -> list[list[Any]]:
    """The range table as columns: prefix, class, country and its place (the kernel's name)."""
    rows = ranges.ranges
    return [
        [r.prefix for r in rows],
        [r.range_class for r in rows],
        [r.country for r in rows],
        list(range(len(rows))),
    ]


def _parquet_files(paths: Sequence[Path]) -> list[str]:
    files: list[str] = []
    for p in paths:
        if p.is_dir():
            files.extend(str(f) for f in sorted(p.rglob("*.parquet")))
        elif p.exists():
            files.append(str(p))
        else:
            raise EcluseError(f"{p}: no such file or directory")
    if not files:
        raise EcluseError("no call-record Parquet files to score")
    return files


def _sql_list(files: Sequence[str]) -> str:
    """File names as a list of SQL string literals (for ``read_parquet([...])``)."""
    return ", ".join("'" + f.replace("'", "''") + "'" for f in files)


def _split_legacy(files: Sequence[str], con: Any = None) -> tuple[list[str], list[str]]:
    """(current files, files of earlier stores that hold the numbers as text), from the files'
    Parquet schemas (read by DuckDB: ``con``, or a connection of its own)."""
    import duckdb

    db: Any = con if con is not None else duckdb.connect()
    try:
        listing = _sql_list(files)
        text = {
            str(r[0])
            for r in db.execute(
                f"SELECT file_name FROM parquet_schema([{listing}]) "
                "WHERE name = 'msisdn' AND type = 'BYTE_ARRAY'"
            ).fetchall()
        }
    finally:
        if con is None:
            db.close()
    return [f for f in files if f not in text], [f for f in files if f in text]


def _records_sql(source: str, *, legacy: bool) -> str:
    """The record columns of ``source``; a legacy source's numbers converted to integers."""
    conv = {
        "msisdn": legacy_number_sql("msisdn"),
        "other_party": legacy_party_sql("other_party"),
        "imei": legacy_imei_sql("imei"),
    }
    cols = ", ".join(
        f"{conv[c]} AS {c}" if legacy and c in NUMBER_COLUMNS else c for c in RECORD_COLUMNS
    )
    return f"SELECT {cols} FROM {source}"


class DuckDBEngine:
    """In-process DuckDB; ``threads`` defaults to all cores, ``memory_limit`` e.g. ``'8GB'``."""

    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self._con: Any = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute("SET enable_progress_bar = false")  # the CLI shows its own progress
        # the kernel runs in this process: load it while the records are registered and read
        self._loading = threading.Thread(target=load, name="ecluse-kernel-load", daemon=True)
        self._loading.start()
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{memory_limit.replace(chr(39), '')}'")

    def register_records(self, paths: Sequence[Path]) -> None:
        parts: list[str] = []
        split = _split_legacy(_parquet_files(paths), self._con)
        for legacy, files in zip((False, True), split, strict=True):
            if files:
                listing = _sql_list(files)
                source = (
                    f"read_parquet([{listing}], union_by_name = true, hive_partitioning = false)"
                )
                parts.append(_records_sql(source, legacy=legacy))
        self._con.execute(
            "CREATE OR REPLACE VIEW records AS SELECT *, "
            "CAST(epoch(start_time) AS BIGINT) AS start_s "
            f"FROM ({' UNION ALL '.join(parts)})"
        )

    def register_ranges(self, ranges: RangeTable) -> None:
        # lists as parameters: an Arrow table built from Python objects would import pandas,
        # about a second of CPU on every run
        self._con.execute(
            "CREATE OR REPLACE TABLE ranges AS SELECT unnest($1::VARCHAR[]) AS prefix, "
            "unnest($2::VARCHAR[]) AS range_class, unnest($3::VARCHAR[]) AS country, "
            "unnest($4::BIGINT[]) AS idx",
            _ranges_columns(ranges),
        )

    def kernel(self, name: str, feed: str, setup: KernelSetup) -> None:
        self._loading.join()
        # the store keeps each day's records by line and time, so the feed is streamed as read;
        # records out of that order (several files a day, several days) are read again sorted
        try:
            table = self._lines(feed, setup)
        except UnsortedRecords:
            table = self._lines(f"{feed} ORDER BY msisdn, start_s", setup)
        self._con.register(name, table)

    def _lines(self, feed: str, setup: KernelSetup) -> pa.Table:
        reader = self._con.sql(feed).to_arrow_reader(1 << 20)
        try:
            return pa.Table.from_batches(line_rows(reader, setup), schema=_LINES_SCHEMA)
        finally:
            reader.close()

    def define(self, name: str, sql: str) -> None:
        # a view: its inputs are in memory, and the few queries on it (the detectors' rows, a
        # count) read only what they need: the text columns of the alerted lines, say
        self._con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def fetch(self, sql: str) -> pa.Table:
        result: pa.Table = self._con.sql(sql).to_arrow_table()
        return result

    def close(self) -> None:
        self._con.close()

    def epoch(self, timestamp: str) -> str:
        return f"CAST(epoch({timestamp}) AS BIGINT)"

    def timestamp(self, seconds: str) -> str:
        return f"make_timestamp(CAST({seconds} AS BIGINT) * 1000000)"

    def text_hash(self, text: str) -> str:
        return f"CAST(hash({text}) >> 1 AS BIGINT)"

    def literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"


class SparkEngine:
    """Spark SQL; ``master`` is ``local[2]`` by default, or a cluster URL."""

    name = "spark"

    def __init__(self, *, master: str = "local[2]", session: Any = None) -> None:
        with warnings.catch_warnings():
            # pyspark warns about the pandas version it was built against; we use Arrow only.
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.sql import SparkSession

            self._own = session is None
            if self._own:
                # the kernel runs in Spark's Python workers: this Python, with Ecluse installed,
                # unless the operator says otherwise (a session of their own, or PYSPARK_PYTHON)
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            self._spark: Any = session or (
                SparkSession.builder.master(master)
                .appName("ecluse-usage")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.ansi.enabled", "false")
                .getOrCreate()
            )
        if self._own:
            self._spark.sparkContext.setLogLevel("ERROR")
        self._cached: list[Any] = []

    @property
    def session(self) -> Any:
        """The underlying ``SparkSession``."""
        return self._spark

    def register_records(self, paths: Sequence[Path]) -> None:
        from pyspark.sql import functions

        parts: list[str] = []
        for legacy, files in zip((False, True), _split_legacy(_parquet_files(paths)), strict=True):
            if not files:
                continue
            df = self._spark.read.option("mergeSchema", "true").parquet(*files)
            for col, sql_type in STORED_TYPES.items():
                if col not in df.columns:  # optional column absent from every file
                    df = df.withColumn(col, functions.lit(None).cast(_SPARK_TYPES[sql_type]))
            name = f"records_raw{len(parts)}"
            df.select(*RECORD_COLUMNS).createOrReplaceTempView(name)
            parts.append(_records_sql(name, legacy=legacy))
        self._spark.sql(
            "SELECT record_id, msisdn, CAST(start_time AS TIMESTAMP) AS start_time, type, "
            "direction, other_party, duration_s, bytes, cell_id, imei, roaming_country, charge, "
            "plan, unix_seconds(CAST(start_time AS TIMESTAMP)) AS start_s "
            f"FROM ({' UNION ALL '.join(parts)}) r"
        ).createOrReplaceTempView("records")

    def register_ranges(self, ranges: RangeTable) -> None:
        df = self._spark.createDataFrame(
            list(zip(*_ranges_columns(ranges), strict=True)),
            "prefix string, range_class string, country string, idx bigint",
        )
        df.createOrReplaceTempView("ranges")

    def kernel(self, name: str, feed: str, setup: KernelSetup) -> None:
        # each line's records to one partition, in time order: the kernel sees whole lines
        records = (
            self._spark.sql(feed)
            .repartition(self._spark.sparkContext.defaultParallelism * 4, "msisdn")
            .sortWithinPartitions("msisdn", "w", "start_s")
        )
        with warnings.catch_warnings():
            # pyspark warns about the pandas version it was built against; this is Arrow only
            warnings.simplefilter("ignore", FutureWarning)
            lines = records.mapInArrow(lambda batches: line_rows(batches, setup), _LINES_DDL)
        lines = lines.cache()
        lines.count()
        self._cached.append(lines)
        lines.createOrReplaceTempView(name)

    def define(self, name: str, sql: str) -> None:
        df = self._spark.sql(sql).cache()
        df.count()  # computed now so that timings and failures happen here
        self._cached.append(df)
        df.createOrReplaceTempView(name)

    def fetch(self, sql: str) -> pa.Table:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            result: pa.Table = self._spark.sql(sql).toArrow()
        return result

    def close(self) -> None:
        for df in self._cached:
            df.unpersist()
        if self._own:
            self._spark.stop()

    def epoch(self, timestamp: str) -> str:
        return f"unix_seconds({timestamp})"

    def timestamp(self, seconds: str) -> str:
        return f"timestamp_seconds({seconds})"

    def text_hash(self, text: str) -> str:
        return f"xxhash64({text})"

    def literal(self, text: str) -> str:
        # Spark SQL escapes with backslashes
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def open_engine(name: str, **options: Any) -> AnalyticsEngine:
    """An engine by name: ``duckdb`` or ``spark``."""
    if name == "duckdb":
        return DuckDBEngine(**options)
    if name == "spark":
        return SparkEngine(**options)
    raise EcluseError(f"unknown engine {name!r}; use one of: {', '.join(ENGINES)}")
