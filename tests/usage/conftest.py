"""Shared fixtures of the usage tests: one small simulated month, one Spark session."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecluse.usage import SimulationResult, simulate


@pytest.fixture(scope="session")
def small_sim(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    """400 lines over 10 days: every scenario has at least two lines (~120k records)."""
    return simulate(tmp_path_factory.mktemp("sim"), lines=400, days=10, seed=11)


@pytest.fixture(scope="session")
def tiny_sim(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    """60 lines over 8 days (one line per scenario, ~15k records), small enough for Spark."""
    return simulate(tmp_path_factory.mktemp("tiny"), lines=60, days=8, seed=5)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session with two cores, shared by the Spark tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the kernel runs in workers
        session = (
            SparkSession.builder.master("local[2]")
            .appName("ecluse-usage-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate()
        )
    yield session
    session.stop()


def cdr_dir(sim: SimulationResult) -> Path:
    return sim.out_dir / "cdr"
