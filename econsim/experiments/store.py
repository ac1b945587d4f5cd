"""A study folder: a hive-partitioned dataset that grows one finished run at a time.

    STUDY/
      study.json                     what the study runs (and its fingerprint)
      runs.parquet                   one row per run: parameters, seed, status, metrics
      runs/run_id=N/run.parquet      that row, written with the run
      runs/run_id=N/timeseries.parquet, summary.parquet (and events.parquet)
      .staging/                      runs being written; never read

A worker writes its run into ``.staging`` and renames the folder into ``runs/``:
a run is there completely or not at all, so a killed sweep loses nothing finished,
and a rerun skips the runs already there. Read it without econsim::

    pl.scan_parquet("STUDY/runs/*/timeseries.parquet", hive_partitioning=True)
    SELECT * FROM read_parquet('STUDY/runs/*/timeseries.parquet', hive_partitioning=true)
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import polars as pl

from econsim.experiments.study import StudyError
from econsim.results import Results

RUNS, STAGING, STUDY, TABLE = "runs", ".staging", "study.json", "runs.parquet"


def run_folder(root: Path, run_id: int) -> Path:
    """Where one run's partition lives."""
    return root / RUNS / f"run_id={run_id}"


class StudyFolder:
    """The folder of one study: which runs are done, and their consolidated table."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def prepare(self, description: dict[str, Any]) -> None:
        """Create the folder, or check that it holds the same study (to resume it)."""
        manifest = self.path / STUDY
        if manifest.exists():
            held = json.loads(manifest.read_text(encoding="utf-8"))
            if held.get("digest") != description["digest"]:
                raise StudyError(
                    f"--out {self.path}: holds a different study "
                    f"({held.get('name')!r}); name a new folder to start this one"
                )
        elif self.path.exists() and any(self.path.iterdir()):
            raise StudyError(
                f"--out {self.path}: exists and is not a study folder; name a new folder"
            )
        (self.path / RUNS).mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.path / STAGING, ignore_errors=True)  # leftovers of a killed run
        if not manifest.exists():
            write_atomic(manifest, json.dumps(description, indent=2, default=str) + "\n")

    def done(self, retry_failed: bool = False) -> set[int]:
        """Runs already in the folder (failed ones too, unless they are to be retried)."""
        finished = set()
        for folder in (self.path / RUNS).glob("run_id=*"):
            run_id = int(folder.name.split("=", 1)[1])
            if retry_failed and _failed(folder):
                shutil.rmtree(folder)
                continue
            finished.add(run_id)
        return finished

    def consolidate(self) -> pl.DataFrame:
        """Gather every run's row into ``runs.parquet`` (atomically) and return it.

        Rows are scanned in batches under their union schema (read from file
        metadata), so memory follows the table, not the number of files.
        """
        files = sorted((self.path / RUNS).glob("run_id=*/run.parquet"))
        schema: dict[str, pl.DataType] = {}
        for file in files:  # failed runs have no metrics, ok runs no traceback
            for name, dtype in pl.read_parquet_schema(file).items():
                schema[name] = _widen(schema.get(name, pl.Null()), dtype)
        cast = pl.ScanCastOptions(integer_cast="allow-float")
        batches = [  # a scan costs memory per file: a hundred at a time keeps it flat
            pl.scan_parquet(
                files[i : i + 100], schema=schema, missing_columns="insert", cast_options=cast
            ).collect()
            for i in range(0, len(files), 100)
        ]
        table = pl.concat(batches).sort("run_id") if batches else pl.DataFrame()
        write_table(table, self.path / TABLE)
        return table


def write_run(
    root: Path, run_id: int, row: dict[str, Any], results: Results | None, keep_events: bool
) -> None:
    """Write one run's partition in place, all of it or nothing (called in workers)."""
    staging = root / STAGING / f"run_id={run_id}.{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        if results is not None:
            metadata = results.provenance()
            results.timeseries.write_parquet(staging / "timeseries.parquet", metadata=metadata)
            results.summary.write_parquet(staging / "summary.parquet", metadata=metadata)
            if keep_events:
                results.events.write_parquet(staging / "events.parquet", metadata=metadata)
        pl.DataFrame([row]).write_parquet(staging / "run.parquet")
        staging.rename(run_folder(root, run_id))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_table(table: pl.DataFrame, path: Path) -> None:
    """Write a parquet file by renaming a complete temporary one into place."""
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    table.write_parquet(staging)
    os.replace(staging, path)


def write_atomic(path: Path, text: str) -> None:
    """Write a small text file by renaming a complete temporary one into place."""
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)


def _widen(held: pl.DataType, incoming: pl.DataType) -> pl.DataType:
    """A column type that holds both: nulls take the other type, numbers become floats."""
    if held == incoming or incoming == pl.Null:
        return held
    if held == pl.Null:
        return incoming
    if held.is_numeric() and incoming.is_numeric():
        return pl.Float64()
    return pl.String()


def _failed(folder: Path) -> bool:
    row = pl.read_parquet(folder / "run.parquet", columns=["status"])
    return bool(row["status"][0] != "ok")
