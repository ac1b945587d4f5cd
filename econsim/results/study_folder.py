"""A study folder as its readers see it: checksums, runs table, metrics year.

A study folder (:mod:`econsim.experiments.store` writes it) gives each run one file
per table, ``TABLE/run_id=N/part-0.parquet``, and lists their SHA-256 in the run's
row (``checksums``, JSON). Readers verify them, so that a damaged file is named
instead of read; ``study.json`` says the year the metrics are taken at.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from econsim.results.run import DamagedFile, read_table

RUNS_TABLE, PART, CHECKSUMS = "runs.parquet", "part-0.parquet", "checksums"


def partition(root: Path, table: str, run_id: int) -> Path:
    """The folder of one run's part of a table (``runs`` for its row)."""
    return root / table / f"run_id={run_id}"


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def matches(file: Path, digest: str) -> bool:
    """Whether ``file`` is there and has the SHA-256 ``digest``."""
    try:
        return sha256(file) == digest
    except OSError:
        return False


def read_runs(folder: Path) -> pl.DataFrame:
    """A study's runs table, once each file its runs list matches its checksum.

    Raises :class:`DamagedFile` naming the first file that does not: a rerun of
    the study into the same folder repairs it.
    """
    remedy = f"rerun the study with --out {folder} to repair it"
    runs = read_table(folder / RUNS_TABLE, remedy)
    if CHECKSUMS not in runs.columns:  # written before checksums: nothing to verify
        return runs
    for run_id, checksums in runs.select("run_id", CHECKSUMS).iter_rows():
        for table, digest in json.loads(checksums or "{}").items():
            file = partition(folder, table, run_id) / PART
            if not matches(file, digest):
                state = "differs from its checksum" if file.is_file() else "is missing"
                raise DamagedFile(f"{file}: {state}; {remedy}")
    return runs


def metrics_year(description: dict[str, Any]) -> float:
    """The year a study's metrics are taken at: its ``at``, or its first arm's end.

    ``description`` is the study's ``study.json``; a "never" counts as this year.
    """
    if description.get("metrics_at") is not None:
        return float(description["metrics_at"])
    first: dict[str, Any] = next(iter(description.get("bases", {}).values()), {})
    return float(first.get("start", 0.0)) + float(first.get("horizon", 0.0))
